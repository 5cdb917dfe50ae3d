package command

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// DocsRefresh is the command that rewrites the generated documentation; the docs test names it
// when the committed files are stale.
const DocsRefresh = "go run . docs --dir docs"

func docsCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "docs",
		Hidden:    true,
		Usage:     "write the command reference (docs/commands.md, docs/commands/<command>.md) and the man page (docs/acct.1)",
		UsageText: "acct docs [--dir docs]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: "docs", Usage: "documentation directory to write into"},
		},
		Action: func(c *cli.Context) error {
			files, err := GenerateDocs()
			if err != nil {
				return err
			}
			dir := c.String("dir")
			// Pages of commands that no longer exist go too, so the directory is exactly the tree.
			old, _ := filepath.Glob(filepath.Join(dir, "commands", "*.md"))
			for _, f := range old {
				rel, _ := filepath.Rel(dir, f)
				if _, ok := files[filepath.ToSlash(rel)]; !ok {
					if err := os.Remove(f); err != nil {
						return err
					}
				}
			}
			for _, name := range sortedKeys(files) {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, files[name], 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(sys.Console.Out, "wrote %d files under %s\n", len(files), dir)
			return nil
		},
	}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// GenerateDocs renders the documentation of acct's command tree: "commands.md" (the index),
// "commands/<command>.md" (one page per visible command) and "acct.1" (the man page), keyed by
// path relative to docs/. It depends only on the tree, never on the environment, so the committed
// files can be checked against it.
func GenerateDocs() (map[string][]byte, error) {
	app := App(IO{})
	app.Setup()
	withoutHelp(app.Commands) // each page says how to get help in its last line
	files := map[string][]byte{}

	var index bytes.Buffer
	index.WriteString(generatedNote)
	index.WriteString("# acct commands\n\n")
	index.WriteString(app.Usage + ".\n\n")
	index.WriteString("| command | what it does |\n| --- | --- |\n")
	for _, cmd := range visible(app.Commands) {
		fmt.Fprintf(&index, "| [`acct %s`](commands/%s.md) | %s |\n", cmd.Name, cmd.Name, mdCell(cmd.Usage))
		files["commands/"+cmd.Name+".md"] = commandPage(app, cmd)
	}
	index.WriteString("\n## Global options\n\n")
	writeFlags(&index, app.VisibleFlags())
	index.WriteString("\nEvery command also takes `--debug` after its name. Exit status: the command's own for `exec` and\n`shell`; 2 for bad input or usage; 1 for every other failure.\n\nThe same reference is installed as a man page: `man acct` (from [acct.1](acct.1)).\n")
	files["commands.md"] = index.Bytes()

	man, err := manPage(app)
	if err != nil {
		return nil, fmt.Errorf("man page: %w", err)
	}
	files["acct.1"] = []byte(man)
	return files, nil
}

const generatedNote = "<!-- Generated from acct's command tree by `" + DocsRefresh + "`; do not edit. -->\n\n"

func visible(cmds []*cli.Command) []*cli.Command {
	var out []*cli.Command
	for _, c := range cmds {
		if !c.Hidden && c.Name != "help" {
			out = append(out, c)
		}
	}
	return out
}

func commandPage(app *cli.App, cmd *cli.Command) []byte {
	var b bytes.Buffer
	b.WriteString(generatedNote)
	fmt.Fprintf(&b, "# acct %s\n\n%s.\n\n", cmd.Name, strings.TrimSuffix(cmd.Usage, "."))
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: `%s`\n\n", strings.Join(cmd.Aliases, "`, `"))
	}
	usage := cmd.UsageText
	if usage == "" {
		usage = "acct " + cmd.Name
		if len(cmd.VisibleFlags()) > 0 {
			usage += " [options]"
		}
		if cmd.ArgsUsage != "" {
			usage += " " + cmd.ArgsUsage
		}
	}
	b.WriteString("## Usage\n\n```\n")
	for _, l := range strings.Split(usage, "\n") {
		b.WriteString(strings.TrimSpace(l) + "\n")
	}
	b.WriteString("```\n\n")
	if d := strings.TrimSpace(cmd.Description); d != "" {
		b.WriteString("## Description\n\n" + unwrap(d) + "\n\n")
	}
	if fl := cmd.VisibleFlags(); len(fl) > 0 {
		b.WriteString("## Options\n\n")
		writeFlags(&b, fl)
		b.WriteString("\n")
	}
	if sub := visible(cmd.Subcommands); len(sub) > 0 {
		b.WriteString("## Subcommands\n\n")
		for _, s := range sub {
			fmt.Fprintf(&b, "- [`acct %s %s`](#acct-%s-%s): %s\n", cmd.Name, s.Name, cmd.Name, s.Name, s.Usage)
		}
		b.WriteString("\n")
		for _, s := range sub {
			fmt.Fprintf(&b, "### acct %s %s\n\n%s.\n\n", cmd.Name, s.Name, strings.TrimSuffix(s.Usage, "."))
			if s.UsageText != "" {
				b.WriteString("```\n")
				for _, l := range strings.Split(s.UsageText, "\n") {
					b.WriteString(strings.TrimSpace(l) + "\n")
				}
				b.WriteString("```\n\n")
			}
			if d := strings.TrimSpace(s.Description); d != "" {
				b.WriteString(unwrap(d) + "\n\n")
			}
			if fl := s.VisibleFlags(); len(fl) > 0 {
				writeFlags(&b, fl)
				b.WriteString("\n")
			}
		}
	}
	fmt.Fprintf(&b, "Global options: see [all commands](../commands.md#global-options). `acct %s --help` prints this page's usage and options.\n", cmd.Name)
	return b.Bytes()
}

// unwrap joins the hard-wrapped lines of a Description into paragraphs for Markdown.
func unwrap(s string) string {
	paras := strings.Split(s, "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}

func writeFlags(b *bytes.Buffer, flags []cli.Flag) {
	b.WriteString("| option | meaning | default |\n| --- | --- | --- |\n")
	for _, f := range flags {
		names := f.Names()
		var ns []string
		for _, n := range names {
			if len(n) == 1 {
				ns = append(ns, "-"+n)
			} else {
				ns = append(ns, "--"+n)
			}
		}
		opt := strings.Join(ns, ", ")
		usage, def := "", ""
		if d, ok := f.(cli.DocGenerationFlag); ok {
			usage = d.GetUsage()
			if d.TakesValue() {
				opt += " value"
				def = d.GetDefaultText()
				if def == "" {
					def = d.GetValue()
				}
			}
			if env := d.GetEnvVars(); len(env) > 0 {
				usage += " (env: `" + strings.Join(env, "`, `") + "`)"
			}
		}
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", opt, mdCell(usage), def)
	}
}

// withoutHelp drops the help flag and help subcommand App gives every command.
func withoutHelp(cmds []*cli.Command) {
	for _, c := range cmds {
		c.Flags = slices.DeleteFunc(c.Flags, func(f cli.Flag) bool { return f.Names()[0] == "help" })
		c.Subcommands = slices.DeleteFunc(c.Subcommands, func(s *cli.Command) bool { return s.Name == "help" })
		withoutHelp(c.Subcommands)
	}
}

func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}
