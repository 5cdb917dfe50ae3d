//go:build unix

package memo

import (
	"errors"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Identity tells a file's versions apart without reading it: its device, inode, size and
// modification and change times ("absent" when there is no file). Two writes within one tick of
// the file system's clock (a few milliseconds; a second or two on some file systems) can leave
// all of these the same, so an answer keyed by an identity may be stored only when the file is
// settled: unchanged for settle before now, as git's index treats a file "racily clean". A later
// write then gives the file a newer change time, which no program can set back. The identity is
// "" when the file cannot be examined: nothing is remembered then.
func Identity(path string, now time.Time, settle time.Duration) (id string, settled bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return "absent", true
		}
		return "", false
	}
	mtime, ctime := time.Unix(st.Mtim.Unix()), time.Unix(st.Ctim.Unix())
	id = strconv.FormatUint(uint64(st.Dev), 10) + " " + strconv.FormatUint(uint64(st.Ino), 10) + " " +
		strconv.FormatInt(int64(st.Size), 10) + " " + strconv.FormatInt(mtime.UnixNano(), 10) + " " +
		strconv.FormatInt(ctime.UnixNano(), 10)
	cut := now.Add(-settle)
	return id, mtime.Before(cut) && ctime.Before(cut)
}
