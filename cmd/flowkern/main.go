// Command flowkern is flowkern's command-line tool.
//
//	flowkern demo     train a RealNVP on two moons (or another 2-D set), report, and draw it
//	flowkern data     write one of the built-in data sets to CSV
//	flowkern train    fit a RealNVP, MAF or Glow model to a CSV file
//	flowkern eval     per-row log-densities of a CSV file under a model, their mean and standard error
//	flowkern encode   map the rows of a CSV file to the model's base variables (x → z)
//	flowkern sample   draw samples from a model
//	flowkern info     a model file's architecture, or the CPU features and kernel set selected
//	flowkern bench    a quick throughput table of K1–K3 for every available kernel set
//	flowkern plot     draw a model against data: a 2-D model's log-density, or samples against data
//	flowkern version  the module version, the Go version and the kernel set
//
// Exit status: 0 on success, 1 on an error at run time, 2 for a usage
// error (unknown command or flag, a missing or bad flag value; the usage
// is printed), 130 when interrupted (train keeps the best model so far).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flowkern/flowkern"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"demo", "train a RealNVP on a 2-D data set, report its test log-likelihood and speed, draw it (a few seconds)", runDemo},
	{"data", "write a built-in data set to CSV (-set moons|circles|checkerboard|8gaussians|mixture16|chain16)", runData},
	{"train", "fit a flow to a CSV file by maximum likelihood (-data x.csv -o m.flow [-arch realnvp|maf|glow] ...)", runTrain},
	{"eval", "log-density of every row of a CSV file under a model (-model m.flow -data x.csv [-o out.csv])", runEval},
	{"encode", "map the rows of a CSV file to base variables, x → z (-model m.flow -data x.csv [-o z.csv])", runEncode},
	{"sample", "draw samples from a model (-model m.flow -n N -seed S [-o x.csv])", runSample},
	{"info", "describe a model file (-model m.flow), or the CPU, its kernel set and the build", runInfo},
	{"bench", "measure K1–K3 throughput for every available kernel set (about 20 s)", runBench},
	{"plot", "draw a model against data: a 2-D model's log-density, or a corner plot of samples and data (-model m.flow -data x.csv -o p.png)", runPlot},
	{"version", "print the module version, the Go version and the kernel set", runVersion},
}

// errUsage reports a usage mistake that has already been explained.
var errUsage = errors.New("usage")

// errInterrupted is the error (wrapped, with what was kept) of a command
// stopped by an interrupt: exit status 130, as a shell gives.
var errInterrupted = errors.New("interrupted")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if err := flowkern.ImplError(); err != nil { // FLOWKERN_IMPL names no set this machine runs
		fmt.Fprintln(stderr, err)
		return 2
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			out := &checkedWriter{w: stdout}
			err := c.run(args[1:], out, stderr)
			if err == nil && out.err != nil {
				err = fmt.Errorf("writing standard output: %w", out.err)
			}
			switch {
			case errors.Is(err, errUsage):
				return 2
			case errors.Is(err, errInterrupted):
				fmt.Fprintf(stderr, "flowkern %s: %v\n", c.name, err)
				return 130
			case err != nil:
				fmt.Fprintf(stderr, "flowkern %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "flowkern: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: flowkern <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-6s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'flowkern <command> -h' for a command's flags. CSV inputs may be -data - (standard\ninput), outputs -o - (standard output).")
	fmt.Fprintln(w, "\nExit status: 0 success, 1 error, 2 usage error (with the usage), 130 interrupted\n(train keeps the best model so far).")
}

// newFlags returns a flag set for a command that reports errors to stderr
// and continues, so that run can return status 2.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("flowkern "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, mapping -h to success and other errors to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// required prints that the flags named are required, and the usage, when
// any of values is empty, and returns errUsage then.
func required(fs *flag.FlagSet, names string, values ...string) error {
	for _, v := range values {
		if v == "" {
			fmt.Fprintf(fs.Output(), "%s: %s required\n", fs.Name(), names)
			fs.Usage()
			return errUsage
		}
	}
	return nil
}

// errHelp is returned after -h printed a command's flags.
var errHelp = errors.New("help")

// checkedWriter keeps the first error of the writes to w, and fails every
// write after it: a command's report to standard output is checked once,
// when the command ends, whoever wrote it.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}
