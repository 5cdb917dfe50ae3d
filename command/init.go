package command

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/lazyregexp"
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

var accountRE = lazyregexp.New(`^\d{12}$`)

// wizardStep is one question of the init wizard (or a group, like the stages), asked again when
// the person chooses to edit that answer.
type wizardStep struct {
	what string
	ask  func() error
}

// initWizard asks for a layout, checking each answer at its own prompt, and never loses the
// answers: when the layout they make does not load, it is shown with the loader's error and the
// person picks the answer to change.
func (sys *system) initWizard(in *initInput) error {
	steps := sys.wizardSteps(in)
	for _, st := range steps {
		if err := st.ask(); err != nil {
			return err
		}
	}
	if err := sys.wizardCheck(in, steps); err != nil {
		return err
	}
	var err error
	in.Generate, err = sys.prompter.Confirm("Write the profiles to ~/.aws/config now?", false)
	return err
}

func (sys *system) wizardSteps(in *initInput) []wizardStep {
	p := sys.prompter
	input := func(dst *string, label, def string, validate func(string) error) func() error {
		return func() error {
			v, err := p.Input(label, def, validate)
			*dst = strings.TrimSpace(v)
			return err
		}
	}
	return []wizardStep{
		{"the namespace", input(&in.Namespace, "Namespace (label prefix, e.g. cpco)", in.Namespace, required)},
		{"the layout mode", func() (err error) {
			in.Mode, err = p.Select("Layout mode", []string{"organization", "accounts", "virtual-root"})
			return err
		}},
		{"the default region", input(&in.Region, "Default region", in.Region, required)},
		{"the root account", input(&in.Account, "Root account ID (where the IAM users live)", in.Account, accountID)},
		{"the MFA device", func() error {
			if err := input(&in.MFASerial, "MFA device ARN ({user} for each person's; empty for none)", in.MFASerial, nil)(); err != nil {
				return err
			}
			if !strings.Contains(in.MFASerial, "{user}") || in.User != "" {
				return nil
			}
			return input(&in.User, "Your user name (fills {user})", sys.Getenv("USER"), required)()
		}},
		{"the stages", func() error { return sys.askStages(in) }},
	}
}

// askStages asks for the stages one by one until an empty name; a name given twice is refused at
// its prompt.
func (sys *system) askStages(in *initInput) error {
	in.Stages = nil
	var names []string
	for {
		// The check reads its own copy: promptui may still run it on readline's goroutine after
		// the answer has come back, while names grows.
		given := slices.Clone(names)
		// Numbered, so each question reads as the next one, not as the last one asked again.
		name, err := sys.prompter.Input(fmt.Sprintf("Stage %d name (empty to finish)", len(names)+1), "", func(s string) error {
			if slices.Contains(given, strings.TrimSpace(s)) {
				return errors.New("already a stage")
			}
			return nil
		})
		if name = strings.TrimSpace(name); err != nil || name == "" {
			return err
		}
		names = append(names, name)
		if in.Mode == "virtual-root" {
			in.Stages = append(in.Stages, name)
			continue
		}
		id, err := sys.prompter.Input("Account ID of "+name, "", accountID)
		if err != nil {
			return err
		}
		in.Stages = append(in.Stages, name+"="+strings.TrimSpace(id))
	}
}

// wizardCheck loads the layout the answers make; while it does not load, it shows the layout
// with line numbers and the error, and asks which answer to change.
func (sys *system) wizardCheck(in *initInput, steps []wizardStep) error {
	const quit = "quit without writing anything"
	for {
		data, err := layoutYAML(*in)
		if err != nil {
			return err
		}
		if _, err = profiles.Parse("(shown above)", data); err == nil {
			return nil
		}
		fmt.Fprintln(sys.Console.Err, "The layout your answers make:")
		for i, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			fmt.Fprintf(sys.Console.Err, "%4d  %s\n", i+1, l)
		}
		fmt.Fprintf(sys.Console.Err, "acct: %v\n", err)
		choices := []string{}
		for _, st := range steps {
			choices = append(choices, "change "+st.what)
		}
		choice, err := sys.prompter.Select("The layout does not load; what now?", append(choices, quit))
		if err != nil {
			return err
		}
		i := slices.Index(choices, choice)
		if i < 0 {
			return badInputf("the layout did not load; nothing was written")
		}
		if err := steps[i].ask(); err != nil {
			return err
		}
	}
}

func required(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("required")
	}
	return nil
}

func accountID(s string) error {
	if !accountRE().MatchString(strings.TrimSpace(s)) {
		return errors.New("12 digits")
	}
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

// layoutYAML is the layout file init writes for in.
func layoutYAML(in initInput) ([]byte, error) {
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
		return nil, fmt.Errorf("layout: %w", err)
	}
	return append([]byte("# acct layout: see docs/layout.md for every key\n"), data...), nil
}

func runInit(sys *system, in initInput) error {
	data, err := layoutYAML(in)
	if err != nil {
		return err
	}
	// The strict loader is the judge of what init writes: nothing is written unless it loads.
	if _, err := profiles.Parse(in.Output+" (not written)", data); err != nil {
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
		user := ""
		if in.User != "" {
			user = " --user " + in.User // remembered in the block from then on
		}
		fmt.Fprintf(sys.Console.Out, "next: acct generate --layout %s%s\n", in.Output, user)
		return nil
	}
	return runGenerate(sys, generateInput{Layout: in.Output, User: in.User, Style: "native"})
}
