package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
)

var (
	// ErrSourceExists reports a source name the config already has.
	ErrSourceExists = errors.New("source already exists")
	// ErrSourceUnknown reports a source name the config does not have.
	ErrSourceUnknown = errors.New("no such source")
)

// AddSource adds s to sources in the config file at path, or, with
// replace, puts it in place of the source of the same name. Only the
// sources section is rewritten, as by AddUser; settings left at their
// defaults are not written.
func AddSource(path string, s Source, replace bool) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return editFile(path, func(data []byte) ([]byte, error) {
		return editSources(data, func(seq *yaml.Node) error {
			item, err := sourceNode(s)
			if err != nil {
				return err
			}
			switch i := findAccount(seq, s.Name); {
			case i < 0:
				seq.Content = append(seq.Content, item)
			case !replace:
				return fmt.Errorf("%w: %q", ErrSourceExists, s.Name)
			default:
				item.HeadComment, item.LineComment = seq.Content[i].HeadComment, seq.Content[i].LineComment
				seq.Content[i] = item
			}
			return nil
		})
	})
}

// RemoveSource removes the source name from the config file at path.
// Only the sources section is rewritten.
func RemoveSource(path, name string) error {
	return editFile(path, func(data []byte) ([]byte, error) {
		return editSources(data, func(seq *yaml.Node) error {
			i := findAccount(seq, name)
			if i < 0 {
				return fmt.Errorf("%w: %q", ErrSourceUnknown, name)
			}
			seq.Content = slices.Delete(seq.Content, i, i+1)
			return nil
		})
	})
}

// editSources returns data with its sources list changed by edit.
func editSources(data []byte, edit func(seq *yaml.Node) error) ([]byte, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	root := doc.Content[0]
	empty := len(root.Content) == 0
	key, seq := lookup(root, "sources")
	added := seq == nil
	if added {
		key, seq = &yaml.Node{Kind: yaml.ScalarNode, Value: "sources"}, &yaml.Node{Kind: yaml.SequenceNode}
		root.Content = append(root.Content, key, seq)
	}
	if err := asCollection(seq, yaml.SequenceNode, "sources"); err != nil {
		return nil, err
	}
	if err := edit(seq); err != nil {
		return nil, err
	}
	seq.Style &^= yaml.FlowStyle
	return renderEdit(data, doc, key, seq, added, empty)
}

// sourceYAML is a source as AddSource writes it: name, URL and branch,
// then only what differs from the defaults.
type sourceYAML struct {
	Name     string         `yaml:"name"`
	URL      string         `yaml:"url"`
	Branch   string         `yaml:"branch"`
	Path     string         `yaml:"path,omitempty"`
	Interval string         `yaml:"interval,omitempty"`
	Prune    *bool          `yaml:"prune,omitempty"`
	Suspend  bool           `yaml:"suspend,omitempty"`
	Auth     *SourceAuth    `yaml:"auth,omitempty"`
	Webhook  *SourceWebhook `yaml:"webhook,omitempty"`
	Commit   *SourceCommit  `yaml:"commit,omitempty"`
	// Environment and Environments are written when set.
	Environment  string            `yaml:"environment,omitempty"`
	Environments map[string]string `yaml:"environments,omitempty"`
}

func sourceNode(s Source) (*yaml.Node, error) {
	out := sourceYAML{Name: s.Name, URL: s.URL, Branch: s.Branch, Path: s.Path, Suspend: s.Suspend,
		Environment: s.Environment, Environments: s.Environments}
	if s.Interval != DefaultSourceInterval {
		out.Interval = formatDuration(s.Interval)
	}
	if !s.Prune {
		out.Prune = &s.Prune
	}
	if s.Auth != (SourceAuth{}) {
		out.Auth = &s.Auth
	}
	if s.Webhook != (SourceWebhook{}) {
		out.Webhook = &s.Webhook
	}
	if s.Commit.Author != DefaultSourceAuthor() {
		out.Commit = &s.Commit
	}
	var n yaml.Node
	if err := n.Dump(out, yaml.WithQuotePreference(yaml.QuoteDouble)); err != nil {
		return nil, err
	}
	return &n, nil
}

// formatDuration writes d as a person would: 1m, 90s, 1h30m.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
