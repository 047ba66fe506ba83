package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/bench"
)

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure how fast things are",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newBenchRegistryCmd())
	return cmd
}

func newBenchRegistryCmd() *cobra.Command {
	cfg := bench.DefaultConfig()
	var urls []string
	output := "table"
	cmd := &cobra.Command{
		Use:   "registry --url [NAME=]URL...",
		Short: "Measure any OCI registry: blob push and pull, small pushes, manifest GETs, tag lists",
		Long: `Measure OCI registries, berth or any other, through the Distribution API and
print one column of figures per --url, in flag order. The registries are
measured one after another so that they never compete for the CPU, and each
gets a fresh repository prefix, bench/<random>/, that is left in place.
The registries must accept anonymous pushes.

Measurements, with the names --only takes:
  sha256    how fast one core of this machine hashes memory with sha256, the
            ceiling for a registry that verifies digests as data arrives;
            measured once and shown in every column
  push      one --blob-size blob of random data pushed as a single PATCH
            stream, in MB/s (10^6 bytes) and as a share of the sha256 speed
  pull      the same blob pulled back, in MB/s
  small     --small-blobs blobs of --small-size pushed with POST and a single
            PUT by --small-concurrency clients at once, in pushes/s
  manifest  --clients clients fetching one OCI manifest for --duration:
            requests/s, p50 and p99 latency
  tags      the time to list --tags tags, following Link pagination; the
            median of --repeat listings

Progress goes to stderr and the table to stdout. A figure that could not be
measured shows "error", its reason is on stderr, the other figures are still
measured, and the command exits with status 1.`,
		Example: `  berth bench registry --url http://127.0.0.1:5000
  berth bench registry --url berth=http://127.0.0.1:5000 --url distribution=http://127.0.0.1:5001
  berth bench registry --url 127.0.0.1:5000 --only push,pull --blob-size 256MiB --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchRegistry(cmd, cfg, urls, output)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&urls, "url", nil, "registry to measure, as URL or NAME=URL; repeat for more columns")
	f.Var(sizeFlag{&cfg.BlobSize}, "blob-size", "size of the blob pushed and pulled in one stream")
	f.IntVar(&cfg.SmallBlobs, "small-blobs", cfg.SmallBlobs, "how many small blobs to push")
	f.Var(sizeFlag{&cfg.SmallSize}, "small-size", "size of each small blob")
	f.IntVar(&cfg.SmallConcurrency, "small-concurrency", cfg.SmallConcurrency, "clients pushing small blobs (and tags) at once")
	f.IntVar(&cfg.Clients, "clients", cfg.Clients, "clients fetching the manifest at once")
	f.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long the clients fetch the manifest")
	f.IntVar(&cfg.Tags, "tags", cfg.Tags, "how many tags to put and list")
	f.IntVar(&cfg.Repeat, "repeat", cfg.Repeat, "how many times to list the tags; the median is shown")
	f.StringSliceVar(&cfg.Only, "only", nil, "measurements to run, comma separated: "+strings.Join(bench.Keys(), ","))
	f.StringVarP(&output, "output", "o", output, "output format: table or json")
	_ = cmd.MarkFlagRequired("url")
	return cmd
}

func runBenchRegistry(cmd *cobra.Command, cfg bench.Config, urls []string, output string) error {
	if output != "table" && output != "json" {
		return fmt.Errorf("output %q: want table or json", output)
	}
	for i, key := range cfg.Only {
		cfg.Only[i] = strings.TrimSpace(key)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	targets, err := bench.ParseTargets(urls, cfg.Connections())
	if err != nil {
		return err
	}
	res, runErr := bench.Run(cmd.Context(), cfg, targets, cmd.ErrOrStderr())
	if res != nil && len(res.Rows) > 0 {
		write := bench.WriteTable
		if output == "json" {
			write = bench.WriteJSON
		}
		if err := write(cmd.OutOrStdout(), res); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	if errors.Is(runErr, bench.ErrRowsFailed) {
		return exitError{code: 1}
	}
	if runErr != nil {
		return fmt.Errorf("benchmarking: %w", runErr)
	}
	return nil
}

// sizeFlag is a flag holding a byte count written as 64MiB, 1GiB, 4096.
type sizeFlag struct{ n *int64 }

func (f sizeFlag) String() string {
	if f.n == nil {
		return ""
	}
	return bench.FormatSize(*f.n)
}

func (f sizeFlag) Set(s string) error {
	n, err := bench.ParseSize(s)
	if err != nil {
		return err
	}
	*f.n = n
	return nil
}

func (f sizeFlag) Type() string { return "size" }
