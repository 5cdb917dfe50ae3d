package command

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

type initInput struct {
	Output        string
	Force         bool
	Generate      bool
	User          string
	Namespace     string
	Mode          string
	Region        string
	Account       string
	MFASerial     string
	SourceProfile string
	Stages        []string // name=account, or name alone in virtual-root mode
}

func initCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a layout file: a wizard on a terminal, or flags for scripts",
		UsageText: "acct init [--namespace N --mode M --region R --account ID --mfa-serial ARN --stage NAME[=ACCOUNT]...] [--output acct.yaml] [--generate]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "acct.yaml", Usage: "layout file to write"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing layout file"},
			&cli.BoolFlag{Name: "generate", Usage: "run acct generate with the new layout"},
			&cli.StringFlag{Name: "user", Usage: "fill {user} when generating", EnvVars: []string{"ACCT_USER"}},
			&cli.StringFlag{Name: "namespace", Usage: "label prefix, e.g. cpco"},
			&cli.StringFlag{Name: "mode", Usage: "organization, accounts or virtual-root"},
			&cli.StringFlag{Name: "region", Usage: "default region"},
			&cli.StringFlag{Name: "account", Usage: "root (or only) account ID, 12 digits"},
			&cli.StringFlag{Name: "mfa-serial", Usage: "MFA device ARN; {user} is filled by --user"},
			&cli.StringFlag{Name: "source-profile", Usage: "where the IAM user's keys live (default: the namespace)"},
			&cli.StringSliceFlag{Name: "stage", Usage: "a stage as NAME=ACCOUNT (NAME alone in virtual-root mode); repeat"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			in := initInput{
				Output: c.String("output"), Force: c.Bool("force"), Generate: c.Bool("generate"), User: c.String("user"),
				Namespace: c.String("namespace"), Mode: c.String("mode"), Region: c.String("region"),
				Account: c.String("account"), MFASerial: c.String("mfa-serial"), SourceProfile: c.String("source-profile"),
				Stages: c.StringSlice("stage"),
			}
			if in.Namespace == "" {
				if !sys.Console.Interactive() {
					return usagef("no terminal for the wizard; pass --namespace, --mode, --account, --region and --stage")
				}
				if err := sys.initWizard(&in); err != nil {
					return err
				}
			}
			return runInit(sys, in)
		},
	}
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

func (sys *system) initWizard(in *initInput) error {
	var err error
	required := func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("required")
		}
		return nil
	}
	account := func(s string) error {
		if !accountRE.MatchString(strings.TrimSpace(s)) {
			return errors.New("12 digits")
		}
		return nil
	}
	if in.Namespace, err = sys.prompter.Input("Namespace (label prefix, e.g. cpco)", "", required); err != nil {
		return err
	}
	if in.Mode, err = sys.prompter.Select("Layout mode", []string{"organization", "accounts", "virtual-root"}); err != nil {
		return err
	}
	if in.Region, err = sys.prompter.Input("Default region", "", required); err != nil {
		return err
	}
	if in.Account, err = sys.prompter.Input("Root account ID (where the IAM users live)", "", account); err != nil {
		return err
	}
	if in.MFASerial, err = sys.prompter.Input("MFA device ARN ({user} for each person's; empty for none)", "", nil); err != nil {
		return err
	}
	for {
		// Numbered, so each question reads as the next one, not as the last one asked again.
		name, err := sys.prompter.Input(fmt.Sprintf("Stage %d name (empty to finish)", len(in.Stages)+1), "", nil)
		if err != nil {
			return err
		}
		if name == "" {
			break
		}
		if in.Mode == "virtual-root" {
			in.Stages = append(in.Stages, name)
			continue
		}
		id, err := sys.prompter.Input("Account ID of "+name, "", account)
		if err != nil {
			return err
		}
		in.Stages = append(in.Stages, name+"="+id)
	}
	answer, err := sys.prompter.Input("Write the profiles to ~/.aws/config now? (y/N)", "", nil)
	if err != nil {
		return err
	}
	in.Generate = strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes")
	return nil
}

// layoutFile is the YAML written by acct init; its field order is the order of the file.
type layoutFile struct {
	Namespace     string       `yaml:"namespace"`
	Mode          string       `yaml:"mode"`
	Region        string       `yaml:"region,omitempty"`
	SourceProfile string       `yaml:"source_profile,omitempty"`
	MFASerial     string       `yaml:"mfa_serial,omitempty"`
	Root          layoutRoot   `yaml:"root"`
	Stages        []layoutItem `yaml:"stages"`
}

type layoutRoot struct {
	Account string `yaml:"account"`
}

type layoutItem struct {
	Name    string `yaml:"name"`
	Account string `yaml:"account,omitempty"`
}

func runInit(sys *system, in initInput) error {
	f := layoutFile{
		Namespace: in.Namespace, Mode: in.Mode, Region: in.Region, SourceProfile: in.SourceProfile,
		MFASerial: in.MFASerial, Root: layoutRoot{Account: in.Account},
	}
	for _, s := range in.Stages {
		name, acct, _ := strings.Cut(s, "=")
		f.Stages = append(f.Stages, layoutItem{Name: strings.TrimSpace(name), Account: strings.TrimSpace(acct)})
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	data = append([]byte("# acct layout: see docs/layout.md for every key\n"), data...)
	// The strict loader is the judge of what init wrote: nothing is written unless it loads.
	if _, err := profiles.Parse(in.Output, data); err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if in.Force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	out, err := os.OpenFile(in.Output, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return usagef("%s exists; pass --force to overwrite it or --output for another file", in.Output)
	}
	if err != nil {
		return fmt.Errorf("write layout: %w", err)
	}
	if _, err := out.Write(data); err != nil {
		out.Close()
		return fmt.Errorf("write layout %s: %w", in.Output, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write layout %s: %w", in.Output, err)
	}
	fmt.Fprintf(sys.Console.Out, "wrote %s\n", in.Output)
	if !in.Generate {
		fmt.Fprintf(sys.Console.Out, "next: acct generate --layout %s\n", in.Output)
		return nil
	}
	return runGenerate(sys, generateInput{Layout: in.Output, User: in.User, Style: "native"})
}
