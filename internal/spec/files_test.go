package spec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// filesSpec has a service that uses a secret and a config of each kind.
const filesSpec = `name: shop
services:
  web:
    image: a:v1
    secrets:
      - db_password
      - source: api_key
        target: keys/api
        uid: "1000"
        gid: "1000"
        mode: 0400
      - {source: tls, target: /etc/tls/key.pem}
    configs:
      - nginx
      - {source: motd, target: etc/motd, mode: 0644}
secrets:
  db_password: {file: ./secrets/db.txt}
  api_key: {environment: API_KEY}
  tls: {file: /etc/shop/tls.key}
configs:
  nginx: {file: nginx.conf}
  motd: {content: "welcome to ${SHOP}"}
`

// filesInput is filesSpec with every value it refers to.
func filesInput() Input {
	return Input{
		Data: []byte(filesSpec),
		Env:  map[string]string{"API_KEY": "k-123", "SHOP": "the shop"},
		Files: map[string][]byte{
			"./secrets/db.txt":  []byte("hunter2"),
			"/etc/shop/tls.key": []byte("-----BEGIN KEY-----"),
			"nginx.conf":        []byte("server {}"),
		},
	}
}

func TestSecretsAndConfigsArePlacedAsDockerComposePlacesThem(t *testing.T) {
	app, err := Read(filesInput())
	if err != nil {
		t.Fatal(err)
	}
	want := []driver.File{
		{Target: "/etc/motd", Content: []byte("welcome to the shop"), Mode: 0o644},
		{Target: "/etc/tls/key.pem", Content: []byte("-----BEGIN KEY-----"), Mode: 0o444, Secret: true},
		{Target: "/nginx", Content: []byte("server {}"), Mode: 0o444},
		{Target: "/run/secrets/db_password", Content: []byte("hunter2"), Mode: 0o444, Secret: true},
		{Target: "/run/secrets/keys/api", Content: []byte("k-123"), UID: "1000", GID: "1000", Mode: 0o400, Secret: true},
	}
	if got := app.Services[0].Runtime.Files; !reflect.DeepEqual(got, want) {
		t.Fatalf("Files =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSecretsAndConfigsRefuseWhatIsMissing(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		line   int
		path   string
		msg    string
	}{
		{"a secret file not sent", func(in *Input) { delete(in.Files, "./secrets/db.txt") }, 17, "secrets.db_password.file", "./secrets/db.txt was not found beside the spec"},
		{"a config file not sent", func(in *Input) { delete(in.Files, "nginx.conf") }, 21, "configs.nginx.file", "nginx.conf was not found"},
		{"a variable not set", func(in *Input) { delete(in.Env, "API_KEY") }, 18, "secrets.api_key.environment", "variable API_KEY is not set"},
		{"a secret not declared", func(in *Input) {
			in.Data = []byte(strings.Replace(filesSpec, "      - db_password\n", "      - nope\n", 1))
		}, 6, "services.web.secrets.0", "secret nope is not declared under the top-level secrets"},
		{"an external secret", func(in *Input) {
			in.Data = []byte(strings.Replace(filesSpec, "tls: {file: /etc/shop/tls.key}", "tls: {external: true}", 1))
		}, 19, "secrets.tls.external", "docker compose refuses it on one host too"},
		{"a uid that is not a number", func(in *Input) {
			in.Data = []byte(strings.Replace(filesSpec, `uid: "1000"`, `uid: "www"`, 1))
		}, 9, "services.web.secrets.1.uid", `"www" is not a number`},
		{"two files at one target", func(in *Input) {
			in.Data = []byte(strings.Replace(filesSpec, "target: /etc/tls/key.pem", "target: /nginx", 1))
		}, 14, "services.web.configs.0", "/nginx is already placed by services.web.secrets.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := filesInput()
			tt.change(&in)
			_, err := Read(in)
			expectOne(t, err, tt.line, tt.path, tt.msg)
		})
	}
}

func TestASecretFileOverAMountIsRefused(t *testing.T) {
	src := svc("image: a:v1", "secrets: [s]", "tmpfs: [/run/secrets/s]") + "secrets: {s: {environment: S}}\n"
	_, err := Read(Input{Data: []byte(src), Env: map[string]string{"S": "x"}})
	expectOne(t, err, 5, "services.web.secrets.0", "/run/secrets/s is already mounted")
}

func TestSecretValuesAreNeverInAProblem(t *testing.T) {
	in := filesInput()
	in.Data = []byte(strings.Replace(filesSpec, "image: a:v1", "image: a:v1\n    env_file: web.env", 1))
	in.Files["web.env"] = []byte("A=\"hunter2-unterminated\nB=2\n")
	_, err := Read(in)
	if err == nil {
		t.Fatal("an env file with an unterminated quote was read")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a problem shows a secret value: %v", err)
	}
	expectOne(t, err, 5, "services.web.env_file", "env file web.env: line")
}

func TestEnvFilesAreReadFromTheInput(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		files map[string][]byte
		env   map[string]string
		want  []string
	}{
		{"one file, overridden by environment", []string{"env_file: web.env", "environment: {B: own}"},
			map[string][]byte{"web.env": []byte("A=1\nB=from-file\n")}, nil, []string{"A=1", "B=own"}},
		{"files in order, the later winning", []string{"env_file: [a.env, b.env]"},
			map[string][]byte{"a.env": []byte("X=a\nY=a\n"), "b.env": []byte("Y=b\n")}, nil, []string{"X=a", "Y=b"}},
		{"variables interpolated from the deployer's", []string{"env_file: web.env"},
			map[string][]byte{"web.env": []byte("URL=postgres://${DB_HOST}/shop\nTOKEN\n")},
			map[string]string{"DB_HOST": "db.internal", "TOKEN": "t0k"}, []string{"TOKEN=t0k", "URL=postgres://db.internal/shop"}},
		{"an optional file that is missing", []string{"env_file: [{path: local.env, required: false}]", "environment: [A=1]"},
			nil, nil, []string{"A=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := svc(append([]string{"image: a:v1"}, tt.lines...)...)
			app, err := Read(Input{Data: []byte(src), Env: tt.env, Files: tt.files})
			if err != nil {
				t.Fatal(err)
			}
			if got := app.Services[0].Env; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Env = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAMissingEnvFileInAListIsPlaced(t *testing.T) {
	_, err := Read(Input{Data: []byte(svc("image: a:v1", "env_file:", "  - a.env", "  - b.env")), Files: map[string][]byte{"a.env": nil}})
	expectOne(t, err, 7, "services.web.env_file.1", "env file b.env was not found")
}

func TestLabelFilesAreReadFromTheInput(t *testing.T) {
	src := svc("image: a:v1", "label_file: [web.labels]", "labels: {tier: own}")
	app, err := Read(Input{Data: []byte(src), Files: map[string][]byte{"web.labels": []byte("team=shop\ntier=file\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"team": "shop", "tier": "own"}; !reflect.DeepEqual(app.Services[0].Labels, want) {
		t.Fatalf("Labels = %v, want %v", app.Services[0].Labels, want)
	}
	_, err = Read(Input{Data: []byte(src), Files: map[string][]byte{"web.labels": []byte("berth.app=x\n")}})
	expectOne(t, err, 6, "services.web.labels.berth.app", "berth. prefix")
}
