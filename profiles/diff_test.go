package profiles

import (
	"strings"
	"testing"
)

// A missing file diffs as no lines; a file without a final newline says so, as diff(1) does.
func TestUnifiedDiff(t *testing.T) {
	d := UnifiedDiff("config", "config (new)", nil, []byte("[profile a]\nregion=x\n"))
	if !strings.Contains(d, "@@ -0,0 +1,2 @@\n+[profile a]\n+region=x\n") || strings.Contains(d, "\n \n") {
		t.Errorf("diff of a new file:\n%s", d)
	}
	d = UnifiedDiff("config", "config (new)", []byte("[profile a]\nregion=x"), []byte("[profile a]\nregion=x\n"))
	if !strings.Contains(d, "-region=x\n\\ No newline at end of file\n+region=x\n") {
		t.Errorf("diff adding the final newline:\n%s", d)
	}
	if d := UnifiedDiff("config", "config", []byte("same\n"), []byte("same\n")); d != "" {
		t.Errorf("diff of equal texts: %q", d)
	}
}
