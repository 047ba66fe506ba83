package config

import (
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
)

// Source is a git repository, a branch and a path in it whose Compose
// files berth applies, and keeps applied: git wins over changes made on
// the host. Every secret it needs is named by reference (a file or an
// environment variable) and read by Secrets, never written here.
type Source struct {
	// Name identifies the source in the API, the CLI and the logs.
	Name string `yaml:"name"`
	// URL is the repository: file://, a local path, https://, http://
	// (to loopback only), ssh:// or scp-style user@host:path. It holds
	// no credentials: those are in Auth.
	URL string `yaml:"url"`
	// Branch is followed; default main.
	Branch string `yaml:"branch"`
	// Path is the directory of the repository whose files are applied,
	// relative to its root; empty means the root.
	Path string `yaml:"path"`
	// Interval is how often the branch is fetched when no webhook says
	// it moved; default 1m, at least 10s.
	Interval time.Duration `yaml:"interval"`
	// Prune removes an app whose file left the source; default true.
	Prune bool `yaml:"prune"`
	// Suspend stops fetching and applying until it is false again.
	Suspend bool          `yaml:"suspend"`
	Auth    SourceAuth    `yaml:"auth"`
	Webhook SourceWebhook `yaml:"webhook"`
	Commit  SourceCommit  `yaml:"commit"`
	// Environment is the environment the source's apps run in; empty
	// means the first one (see Config.Envs).
	Environment string `yaml:"environment"`
	// Environments maps folders, relative to Path, to environments: an
	// app file under a folder runs in its environment (the deepest
	// folder wins), any other in Environment. One repository can so
	// hold envs/integration/shop and envs/production/shop.
	Environments map[string]string `yaml:"environments"`
}

// SourceAuth names the credentials of a source's repository. All are
// optional; a password comes from a file or from an environment
// variable, one of the two.
type SourceAuth struct {
	// Username goes with the password over https://.
	Username     string `yaml:"username,omitempty"`
	PasswordFile string `yaml:"password_file,omitempty"`
	PasswordEnv  string `yaml:"password_env,omitempty"`
	// SSHKeyFile holds a private key for ssh:// and user@host:path URLs;
	// it needs KnownHostsFile, so that the server is known.
	SSHKeyFile           string `yaml:"ssh_key_file,omitempty"`
	SSHKeyPassphraseEnv  string `yaml:"ssh_key_passphrase_env,omitempty"`
	SSHKeyPassphraseFile string `yaml:"ssh_key_passphrase_file,omitempty"`
	KnownHostsFile       string `yaml:"known_hosts_file,omitempty"`
}

// SourceWebhook names the secret that push webhooks for the source must
// be signed with (or carry, for senders that do not sign). Without one
// the source accepts no webhooks.
type SourceWebhook struct {
	SecretEnv  string `yaml:"secret_env,omitempty"`
	SecretFile string `yaml:"secret_file,omitempty"`
}

// Enabled reports whether the source accepts webhooks.
func (w SourceWebhook) Enabled() bool { return w.SecretEnv != "" || w.SecretFile != "" }

// SourceCommit says how berth signs the commits it writes to a source,
// such as image updates and rollbacks.
type SourceCommit struct {
	Author SourceAuthor `yaml:"author"`
}

// SourceAuthor is the author of berth's commits.
type SourceAuthor struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
}

// Defaults of a source's settings.
const (
	DefaultSourceBranch   = "main"
	DefaultSourceInterval = time.Minute
	MinSourceInterval     = 10 * time.Second
)

// NewSource returns a source of the repository at url with every
// default applied.
func NewSource(name, url string) Source {
	return Source{
		Name: name, URL: url, Branch: DefaultSourceBranch, Interval: DefaultSourceInterval, Prune: true,
		Commit: SourceCommit{Author: DefaultSourceAuthor()},
	}
}

// DefaultSourceAuthor is berth@<this host's name>.
func DefaultSourceAuthor() SourceAuthor {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return SourceAuthor{Name: "berth", Email: "berth@" + host}
}

// inlineSecrets are keys that would put a secret in the file, with the
// keys to write instead.
var inlineSecrets = map[string]map[string]string{
	"":        {"password": "auth.password_file or auth.password_env", "token": "auth.password_file or auth.password_env", "secret": "webhook.secret_file or webhook.secret_env"},
	"auth":    {"password": "password_file or password_env", "token": "password_file or password_env", "ssh_key": "ssh_key_file", "ssh_key_passphrase": "ssh_key_passphrase_file or ssh_key_passphrase_env", "passphrase": "ssh_key_passphrase_file or ssh_key_passphrase_env"},
	"webhook": {"secret": "secret_file or secret_env", "token": "secret_file or secret_env"},
}

// UnmarshalYAML reads a source over its defaults and refuses one that
// cannot be used, each problem on the line of its key.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	var errs []*yaml.LoadError
	if n.Kind == yaml.MappingNode {
		errs = inlineSecretErrors(n)
	}
	if len(errs) > 0 {
		return &yaml.LoadErrors{Errors: errs}
	}
	type plain Source
	p := plain(NewSource("", ""))
	if err := n.Load(&p, yaml.WithKnownFields()); err != nil {
		return err
	}
	*s = Source(p)
	for _, pr := range s.problems() {
		line, col := n.Line, n.Column
		if k := keyNode(n, pr.key); k != nil {
			line, col = k.Line, k.Column
		}
		errs = append(errs, &yaml.LoadError{Err: fmt.Errorf("%s: %s", sourceLabel(s.Name), pr), Line: line, Column: col})
	}
	if len(errs) > 0 {
		return &yaml.LoadErrors{Errors: errs}
	}
	return nil
}

// inlineSecretErrors refuses keys in the source mapping n that would
// hold a secret.
func inlineSecretErrors(n *yaml.Node) []*yaml.LoadError {
	var errs []*yaml.LoadError
	check := func(m *yaml.Node, section string) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			instead, ok := inlineSecrets[section][k.Value]
			if !ok {
				continue
			}
			key := strings.TrimPrefix(section+"."+k.Value, ".")
			errs = append(errs, &yaml.LoadError{Line: k.Line, Column: k.Column, Err: fmt.Errorf(
				"%s: %s: secrets are not written in the config: write it to a file or an environment variable and name that (%s)",
				sourceLabel(sourceName(n)), key, instead)})
		}
	}
	check(n, "")
	for _, section := range []string{"auth", "webhook"} {
		if _, v := lookup(n, section); v != nil && v.Kind == yaml.MappingNode {
			check(v, section)
		}
	}
	return errs
}

func sourceName(n *yaml.Node) string {
	if _, v := lookup(n, "name"); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// keyNode finds the key node of a dotted key ("auth.username") in the
// mapping n.
func keyNode(n *yaml.Node, dotted string) *yaml.Node {
	if dotted == "" {
		return nil
	}
	var k *yaml.Node
	for part := range strings.SplitSeq(dotted, ".") {
		if n == nil || n.Kind != yaml.MappingNode {
			return k
		}
		var v *yaml.Node
		if k2, v2 := lookup(n, part); k2 != nil {
			k, v = k2, v2
		} else {
			return k
		}
		n = v
	}
	return k
}

// problem is what is wrong with one setting of a source.
type problem struct {
	key string // dotted, as in the file
	msg string
}

func (p problem) String() string {
	if p.key == "" {
		return p.msg
	}
	return p.key + ": " + p.msg
}

// Validate reports every problem with s at once.
func (s Source) Validate() error {
	problems := s.problems()
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.String()
	}
	return fmt.Errorf("%s: %s", sourceLabel(s.Name), strings.Join(msgs, "; "))
}

// sourceLabel names a source in messages.
func sourceLabel(name string) string {
	if name == "" {
		return "source"
	}
	return "source " + name
}

var (
	sourceNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	envName           = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ValidateSourceName checks the name of a source.
func ValidateSourceName(name string) error {
	if !sourceNamePattern.MatchString(name) {
		return fmt.Errorf("source name %q: want 1-63 of [a-z0-9-], starting with a letter or digit", name)
	}
	return nil
}

func (s Source) problems() []problem {
	var out []problem
	add := func(key, format string, args ...any) { out = append(out, problem{key, fmt.Sprintf(format, args...)}) }
	if err := ValidateSourceName(s.Name); err != nil {
		add("name", "%v", err)
	}
	kind, err := classifySourceURL(s.URL)
	if err != nil {
		add("url", "%v", err)
	}
	if err := checkBranch(s.Branch); err != nil {
		add("branch", "%v", err)
	}
	if s.Path != "" && (!fs.ValidPath(s.Path) || s.Path == "." || strings.Contains(s.Path, `\`)) {
		add("path", "%q: want a relative path such as apps or envs/production, without . or .. parts, \\ or a / at either end", s.Path)
	}
	if s.Interval < MinSourceInterval {
		add("interval", "%s: want at least %s", s.Interval, MinSourceInterval)
	}
	a := s.Auth
	for key, pair := range map[string][2]string{
		"auth.password_file":           {a.PasswordFile, a.PasswordEnv},
		"auth.ssh_key_passphrase_file": {a.SSHKeyPassphraseFile, a.SSHKeyPassphraseEnv},
		"webhook.secret_file":          {s.Webhook.SecretFile, s.Webhook.SecretEnv},
	} {
		if pair[0] != "" && pair[1] != "" {
			add(key, "set %s or %s, not both", key, strings.TrimSuffix(key, "_file")+"_env")
		}
	}
	for key, env := range map[string]string{
		"auth.password_env": a.PasswordEnv, "auth.ssh_key_passphrase_env": a.SSHKeyPassphraseEnv, "webhook.secret_env": s.Webhook.SecretEnv,
	} {
		if env != "" && !envName.MatchString(env) {
			add(key, "%q: want the name of an environment variable, such as GIT_TOKEN", env)
		}
	}
	hasPassword := a.PasswordFile != "" || a.PasswordEnv != ""
	hasPassphrase := a.SSHKeyPassphraseFile != "" || a.SSHKeyPassphraseEnv != ""
	switch {
	case a.SSHKeyFile != "" && a.KnownHostsFile == "":
		add("auth.ssh_key_file", "needs auth.known_hosts_file, the keys of the servers berth may trust")
	case a.SSHKeyFile == "" && hasPassphrase:
		add("auth.ssh_key_passphrase_file", "a passphrase without auth.ssh_key_file")
	}
	if err == nil {
		remote := kind != urlLocal
		switch {
		case !remote && (a != SourceAuth{}):
			add("auth", "a repository on this host takes no credentials")
		case a.SSHKeyFile != "" && kind != urlSSH:
			add("auth.ssh_key_file", "an SSH key is for ssh:// and user@host:path URLs, not %s", s.URL)
		case kind == urlSSH && a.Username != "":
			add("auth.username", "write the user in the URL (ssh://git@host/repo or git@host:repo)")
		case kind == urlSSH && hasPassword:
			add("auth.password_file", "a password is for https:// URLs; ssh takes auth.ssh_key_file")
		}
	}
	au := s.Commit.Author
	if strings.TrimSpace(au.Name) == "" || strings.ContainsAny(au.Name, "<>\n\r") {
		add("commit.author.name", "%q: want a name without < > or line breaks", au.Name)
	}
	if at := strings.IndexByte(au.Email, '@'); at <= 0 || at == len(au.Email)-1 || strings.ContainsAny(au.Email, "<> \t\n\r") {
		add("commit.author.email", "%q: want an address such as berth@example.com", au.Email)
	}
	out = append(out, s.envProblems()...)
	slices.SortFunc(out, func(a, b problem) int { return strings.Compare(a.key, b.key) })
	return out
}

// validateSources reports the problems of each source, and names used
// twice or sources that would apply the same files.
func (c Config) validateSources() []error {
	var errs []error
	names := map[string]int{}
	where := map[[3]string]int{}
	for i, s := range c.Sources {
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("sources[%d]: %w", i, err))
		}
		if j, ok := names[s.Name]; ok {
			errs = append(errs, fmt.Errorf("sources[%d]: the name %q is taken by sources[%d]", i, s.Name, j))
		} else {
			names[s.Name] = i
		}
		at := [3]string{s.URL, s.Branch, s.Path}
		if j, ok := where[at]; ok {
			errs = append(errs, fmt.Errorf("sources[%d] %s: follows the same repository, branch and path as sources[%d] %s, and the two would fight over its apps",
				i, s.Name, j, c.Sources[j].Name))
		} else {
			where[at] = i
		}
		errs = append(errs, c.sourceEnvErrors(i, s)...)
	}
	return errs
}
