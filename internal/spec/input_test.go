package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadInputGathersWhatTheSpecRefersTo(t *testing.T) {
	t.Setenv("TAG", "v9")
	t.Setenv("UNRELATED_SECRET", "not sent")
	root := t.TempDir()
	outside := filepath.Join(root, "shared", "ca.pem")
	if err := os.MkdirAll(filepath.Dir(outside), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, []byte("CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeSpecIn(t, filepath.Join(root, "shop"), map[string]string{
		"compose.yaml": `name: shop
services:
  web:
    image: shop/web:${TAG}
    env_file: [web.env, {path: local.env, required: false}]
    environment: [GREETING]
    secrets: [ca, token]
    configs: [conf]
    security_opt: [seccomp=seccomp.json]
secrets:
  ca: {file: ../shared/ca.pem}
  token: {environment: API_TOKEN}
configs:
  conf:
    file: ./conf/${TAG}.conf
`,
		".env":          "GREETING=hello\nAPI_TOKEN=t0k\nDB_HOST=db.internal\n",
		"web.env":       "URL=postgres://${DB_HOST}/shop\n",
		"seccomp.json":  `{"defaultAction": "SCMP_ACT_ALLOW"}`,
		"conf/v9.conf":  "listen 80",
		"unrelated.txt": "not sent",
	})
	in, err := ReadInput(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != path || in.Dir != filepath.Dir(path) || !filepath.IsAbs(in.Dir) {
		t.Errorf("Name %q, Dir %q; want the path as given and its absolute directory", in.Name, in.Dir)
	}
	wantEnv := map[string]string{"TAG": "v9", "GREETING": "hello", "API_TOKEN": "t0k", "DB_HOST": "db.internal"}
	if !reflect.DeepEqual(in.Env, wantEnv) {
		t.Errorf("Env = %v, want %v", in.Env, wantEnv)
	}
	wantFiles := map[string]string{
		"web.env": "URL=postgres://${DB_HOST}/shop\n", "../shared/ca.pem": "CA",
		"./conf/v9.conf": "listen 80", "seccomp.json": `{"defaultAction": "SCMP_ACT_ALLOW"}`,
	}
	got := map[string]string{}
	for k, v := range in.Files {
		got[k] = string(v)
	}
	if !reflect.DeepEqual(got, wantFiles) {
		t.Errorf("Files = %v, want %v", got, wantFiles)
	}
	app, err := Read(in)
	if err != nil {
		t.Fatal(err)
	}
	web := app.Services[0]
	if want := []string{"GREETING=hello", "URL=postgres://db.internal/shop"}; !reflect.DeepEqual(web.Env, want) {
		t.Errorf("Env = %q, want %q", web.Env, want)
	}
	if n := len(web.Runtime.Files); n != 3 {
		t.Errorf("%d files placed, want 3", n)
	}
}

// writeSpecIn writes files into dir and returns the path of its
// compose.yaml.
func writeSpecIn(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "compose.yaml")
}

func TestReadInputLeavesAMissingFileForReadToPlace(t *testing.T) {
	path := writeSpec(t, "shop", map[string]string{"compose.yaml": svc("image: a:v1", "env_file: web.env")})
	in, err := ReadInput(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(in)
	es := problems(t, err)
	if len(es) != 1 || es[0].Line != 5 || es[0].Path != "services.web.env_file" || es[0].File != path {
		t.Fatalf("problems = %v, want web.env refused at line 5 of %s", err, path)
	}
}

func TestReadInputRefusesADirectoryForAFile(t *testing.T) {
	path := writeSpec(t, "shop", map[string]string{"compose.yaml": svc("image: a:v1", "secrets: [certs]") + "secrets: {certs: {file: ./certs}}\n"})
	if err := os.Mkdir(filepath.Join(filepath.Dir(path), "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := ReadInput(path)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("ReadInput = %v, want an error saying ./certs is a directory", err)
	}
}

func TestLoadReadsEnvFilesBesideTheSpec(t *testing.T) {
	path := writeSpec(t, "shop", map[string]string{
		"compose.yaml": svc("image: a:v1", "env_file: web.env"),
		"web.env":      "MODE=production\n",
	})
	app, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"MODE=production"}; !reflect.DeepEqual(app.Services[0].Env, want) {
		t.Fatalf("Env = %q, want %q", app.Services[0].Env, want)
	}
}

func TestReadNeverLooksAtTheDisk(t *testing.T) {
	path := writeSpec(t, "shop", map[string]string{"compose.yaml": "", "web.env": "A=1\n"})
	t.Chdir(filepath.Dir(path))
	_, err := Read(Input{Data: []byte(svc("image: a:v1", "env_file: web.env"))})
	expectOne(t, err, 5, "services.web.env_file", "env file web.env was not found")
}
