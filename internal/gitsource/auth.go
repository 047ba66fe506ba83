package gitsource

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// dialTimeout bounds the making of an SSH connection: go-git dials SSH
// without the operation's context.
const dialTimeout = 30 * time.Second

// transportAuth turns a source's credentials into go-git's for r: none
// for file, HTTP basic for http and https (none when a public source has
// no credentials), a private key and known hosts for ssh. dir is a
// private directory known_hosts is read through.
func transportAuth(r remote, a Auth, dir string) (transport.AuthMethod, error) {
	switch r.protocol {
	case "http", "https":
		if a.Username == "" && a.Password == "" {
			return nil, nil
		}
		user := a.Username
		if user == "" {
			user = r.user
		}
		if user == "" {
			user = "git"
		}
		return &githttp.BasicAuth{Username: user, Password: a.Password}, nil
	case "ssh":
		return newSSHAuth(r, a, dir)
	}
	return nil, nil
}

// sshAuth is go-git's SSH AuthMethod with berth's own host key check:
// against the source's known_hosts lines only, never the user's files.
type sshAuth struct {
	user   string
	signer ssh.Signer
	// hostPort is the host and port of the URL, for the host key
	// algorithms to ask for.
	hostPort string
	hosts    hostKeyDB
}

// hostKeyDB is what sshAuth needs of go-git's known hosts database.
type hostKeyDB interface {
	HostKeyCallback() ssh.HostKeyCallback
	HostKeyAlgorithms(hostWithPort string) []string
}

func newSSHAuth(r remote, a Auth, dir string) (*sshAuth, error) {
	if len(a.KnownHosts) == 0 {
		return nil, errors.New("an SSH source needs known_hosts lines for its host")
	}
	if len(a.SSHKey) == 0 {
		return nil, errors.New("an SSH source needs a private key")
	}
	signer, err := parseKey(a.SSHKey, a.SSHKeyPassphrase)
	if err != nil {
		return nil, err
	}
	hosts, err := readKnownHosts(a.KnownHosts, dir)
	if err != nil {
		return nil, err
	}
	user := r.user
	if user == "" {
		user = a.Username
	}
	if user == "" {
		user = gitssh.DefaultUsername
	}
	port := r.port
	if port <= 0 {
		port = gitssh.DefaultPort
	}
	host := strings.TrimSuffix(strings.TrimPrefix(r.host, "["), "]")
	return &sshAuth{user: user, signer: signer, hostPort: net.JoinHostPort(host, strconv.Itoa(port)), hosts: hosts}, nil
}

func parseKey(pem []byte, passphrase string) (ssh.Signer, error) {
	var signer ssh.Signer
	var err error
	if passphrase != "" {
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
	} else {
		signer, err = ssh.ParsePrivateKey(pem)
	}
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, errors.New("reading the SSH key: it is encrypted and no passphrase was given")
	}
	if err != nil {
		// x/crypto's errors say what is wrong without quoting the key.
		return nil, fmt.Errorf("reading the SSH key: %w", err)
	}
	return signer, nil
}

// readKnownHosts parses known_hosts lines with go-git's database, which
// reads only files: through a private file in dir, removed at once.
func readKnownHosts(lines []byte, dir string) (hostKeyDB, error) {
	f, err := os.CreateTemp(dir, ".known_hosts-*")
	if err != nil {
		return nil, fmt.Errorf("writing known_hosts: %w", err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(lines)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing known_hosts: %w", err)
	}
	db, err := gitssh.NewKnownHostsDb(f.Name())
	if err != nil {
		return nil, fmt.Errorf("reading known_hosts: %w", err)
	}
	return db, nil
}

// Name is go-git's name of the method, which its SSH transport does not
// look at.
func (a *sshAuth) Name() string { return gitssh.PublicKeysName }

// String says who connects, never with what.
func (a *sshAuth) String() string { return "user: " + a.user + ", name: " + a.Name() }

// ClientConfig is the SSH client's configuration: the key, the host key
// check, and the host key algorithms of the keys known for the host, so
// that the server shows a key known_hosts can check.
func (a *sshAuth) ClientConfig() (*ssh.ClientConfig, error) {
	return &ssh.ClientConfig{
		User:              a.user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(a.signer)},
		HostKeyCallback:   a.checkHostKey,
		HostKeyAlgorithms: a.hosts.HostKeyAlgorithms(a.hostPort),
		Timeout:           dialTimeout,
	}, nil
}

// checkHostKey refuses a host key known_hosts does not hold for the host,
// with a *HostKeyError naming the host.
func (a *sshAuth) checkHostKey(hostname string, addr net.Addr, key ssh.PublicKey) error {
	err := a.hosts.HostKeyCallback()(hostname, addr, key)
	if err == nil {
		return nil
	}
	var revoked *knownhosts.RevokedError
	if errors.As(err, &revoked) {
		return &HostKeyError{Host: hostname, Revoked: true}
	}
	var keyErr *knownhosts.KeyError
	if errors.As(err, &keyErr) {
		return &HostKeyError{Host: hostname, Changed: len(keyErr.Want) > 0}
	}
	return fmt.Errorf("checking the host key of %s: %w", hostname, err)
}
