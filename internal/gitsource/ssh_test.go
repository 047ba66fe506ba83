package gitsource

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is a git server over SSH: it lets one user in with one
// public key and runs git-upload-pack or git-receive-pack on the path an
// "exec" request names.
type sshServer struct {
	addr     string
	hostKeys []ssh.Signer
}

func newSSHServer(tb testing.TB, user string, clientKey ssh.PublicKey, hostKeys ...ssh.Signer) *sshServer {
	tb.Helper()
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if c.User() == user && bytes.Equal(key.Marshal(), clientKey.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("key refused")
	}}
	for _, k := range hostKeys {
		cfg.AddHostKey(k)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveSSH(conn, cfg)
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return &sshServer{addr: ln.Addr().String(), hostKeys: hostKeys}
}

func serveSSH(conn net.Conn, cfg *ssh.ServerConfig) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveSession(ch, chReqs)
		}()
	}
}

// serveSession runs the git command of an exec request on the channel.
func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			req.Reply(false, nil)
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			req.Reply(false, nil)
			continue
		}
		service, quoted, _ := strings.Cut(payload.Command, " ")
		if service != "git-upload-pack" && service != "git-receive-pack" || len(quoted) < 2 || quoted[0] != '\'' || quoted[len(quoted)-1] != '\'' {
			req.Reply(false, nil)
			continue
		}
		req.Reply(true, nil)
		path := strings.ReplaceAll(quoted[1:len(quoted)-1], `'\''`, `'`)
		cmd := exec.Command("git", strings.TrimPrefix(service, "git-"), path)
		cmd.Env = []string{"GIT_CONFIG_NOSYSTEM=1", "HOME=/nonexistent"}
		cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return
		}
		go func() {
			io.Copy(stdin, ch)
			stdin.Close()
		}()
		status := uint32(0)
		if err := cmd.Run(); err != nil {
			status = 1
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		return
	}
}

// sshKey is a new ed25519 key: its signer and its PEM, encrypted with
// passphrase unless that is "".
func sshKey(tb testing.TB, passphrase string) (ssh.Signer, []byte) {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		tb.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

func rsaHostKey(tb testing.TB) ssh.Signer {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return signer
}

// knownHost is a known_hosts line for addr with key.
func knownHost(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key) + "\n"
}

func TestSSHSource(t *testing.T) {
	client, clientPEM := sshKey(t, "")
	host, _ := sshKey(t, "")
	s := newSSHServer(t, "git", client.PublicKey(), host)
	known := []byte(knownHost(s.addr, host.PublicKey()))
	auth := Auth{SSHKey: clientPEM, KnownHosts: known}
	sshURL := func(o *origin) string { return "ssh://git@" + s.addr + o.bare }

	t.Run("clone, fetch and push with a key and a known_hosts line", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		r := open(t, Config{Name: "apps", URL: sshURL(o), Path: "apps", Auth: auth})
		second := o.commit(map[string]string{"apps/shop.yaml": "image: shop:2\n"}, "second")
		tip, err := r.Fetch(testContext(t))
		if err != nil || tip.Hash != second {
			t.Fatalf("tip %+v %v, want %s", tip, err, second)
		}
		if files, err := r.Files(testContext(t), tip.Hash); err != nil || len(files) != 4 {
			t.Fatalf("files %q %v", paths(files), err)
		}
		c, err := r.Update(testContext(t), Change{Message: "Update shop", Author: author, Edit: setFiles(map[string][]byte{"apps/shop.yaml": []byte("image: shop:3\n")})})
		if err != nil {
			t.Fatal(err)
		}
		if o.tip() != c.Hash || o.bareGit("show", "main:apps/shop.yaml") != "image: shop:3" {
			t.Errorf("main is %s, want the commit pushed %s", o.tip(), c.Hash)
		}
	})
	t.Run("an scp-style URL and the user from the credentials", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		s := newSSHServer(t, "deploy", client.PublicKey(), host)
		// host:port:path, go-git's scp-style form with a port.
		r := open(t, Config{Name: "apps", URL: s.addr + ":" + o.bare, Auth: Auth{Username: "deploy", SSHKey: clientPEM, KnownHosts: []byte(knownHost(s.addr, host.PublicKey()))}})
		if tip, err := r.Fetch(testContext(t)); err != nil || tip.Hash != o.tip() {
			t.Errorf("tip %+v %v", tip, err)
		}
	})
	t.Run("an encrypted key opens with its passphrase", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		signer, encrypted := sshKey(t, "correct horse")
		s := newSSHServer(t, "git", signer.PublicKey(), host)
		cfg := Config{Name: "apps", URL: "ssh://git@" + s.addr + o.bare, Auth: Auth{SSHKey: encrypted, SSHKeyPassphrase: "correct horse", KnownHosts: []byte(knownHost(s.addr, host.PublicKey()))}}
		r := open(t, cfg)
		if tip, err := r.Fetch(testContext(t)); err != nil || tip.Hash != o.tip() {
			t.Errorf("tip %+v %v", tip, err)
		}
		cfg.Auth.SSHKeyPassphrase = ""
		if _, err := Open(testContext(t), t.TempDir(), cfg, discard()); err == nil || !strings.Contains(err.Error(), "passphrase") {
			t.Errorf("without the passphrase: %v", err)
		}
		cfg.Auth.SSHKeyPassphrase = "wrong horse"
		_, err := Open(testContext(t), t.TempDir(), cfg, discard())
		if err == nil || strings.Contains(err.Error(), "wrong horse") {
			t.Errorf("with a wrong passphrase: %v", err)
		}
	})
	t.Run("the host key of the type known_hosts holds is asked for", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		// The SSH client prefers RSA host keys to ed25519 ones.
		s := newSSHServer(t, "git", client.PublicKey(), rsaHostKey(t), host)
		r := open(t, Config{Name: "apps", URL: "ssh://git@" + s.addr + o.bare, Auth: Auth{SSHKey: clientPEM, KnownHosts: []byte(knownHost(s.addr, host.PublicKey()))}})
		if tip, err := r.Fetch(testContext(t)); err != nil || tip.Hash != o.tip() {
			t.Errorf("tip %+v %v", tip, err)
		}
	})
	t.Run("an unknown host is refused with a HostKeyError naming it", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		other := []byte(knownHost("127.0.0.2:22", host.PublicKey()))
		_, err := Open(testContext(t), t.TempDir(), Config{Name: "apps", URL: sshURL(o), Auth: Auth{SSHKey: clientPEM, KnownHosts: other}}, discard())
		var hk *HostKeyError
		if !errors.As(err, &hk) || hk.Changed || hk.Host != s.addr || !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), s.addr) {
			t.Errorf("error %v, want an unknown host %s", err, s.addr)
		}
	})
	t.Run("a changed host key is refused with a HostKeyError naming the host", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		impostor, _ := sshKey(t, "")
		_, err := Open(testContext(t), t.TempDir(), Config{Name: "apps", URL: sshURL(o), Auth: Auth{SSHKey: clientPEM, KnownHosts: []byte(knownHost(s.addr, impostor.PublicKey()))}}, discard())
		var hk *HostKeyError
		if !errors.As(err, &hk) || !hk.Changed || hk.Host != s.addr || !errors.Is(err, ErrAuth) {
			t.Errorf("error %v, want a changed key of %s", err, s.addr)
		}
	})
	t.Run("a revoked host key is refused", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		lines := "@revoked " + knownHost(s.addr, host.PublicKey()) + knownHost(s.addr, host.PublicKey())
		_, err := Open(testContext(t), t.TempDir(), Config{Name: "apps", URL: sshURL(o), Auth: Auth{SSHKey: clientPEM, KnownHosts: []byte(lines)}}, discard())
		var hk *HostKeyError
		if !errors.As(err, &hk) || !hk.Revoked || !errors.Is(err, ErrAuth) {
			t.Errorf("error %v, want a revoked key", err)
		}
	})
	t.Run("a key the server refuses gives ErrAuth", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		_, otherPEM := sshKey(t, "")
		_, err := Open(testContext(t), t.TempDir(), Config{Name: "apps", URL: sshURL(o), Auth: Auth{SSHKey: otherPEM, KnownHosts: known}}, discard())
		if !errors.Is(err, ErrAuth) || errors.Is(err, ErrUnreachable) {
			t.Errorf("error %v, want ErrAuth", err)
		}
	})
	t.Run("a server that is down gives ErrUnreachable", func(t *testing.T) {
		o := newOrigin(t, appFiles)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = Open(testContext(t), t.TempDir(), Config{Name: "apps", URL: "ssh://git@" + addr + o.bare, Auth: Auth{SSHKey: clientPEM, KnownHosts: []byte(knownHost(addr, host.PublicKey()))}}, discard())
		if !errors.Is(err, ErrUnreachable) {
			t.Errorf("error %v, want ErrUnreachable", err)
		}
	})
}
