package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeFiles is a read function over files keyed by path; a path it
// lacks is fs.ErrNotExist and one in broken fails otherwise. It records
// the paths asked for.
type fakeFiles struct {
	files  map[string]string
	broken map[string]error
	asked  []string
}

func (f *fakeFiles) read(p string) ([]byte, error) {
	f.asked = append(f.asked, p)
	if err, ok := f.broken[p]; ok {
		return nil, err
	}
	content, ok := f.files[p]
	if !ok {
		return nil, fmt.Errorf("reading %s: %w", p, fs.ErrNotExist)
	}
	return []byte(content), nil
}

func TestReadFromGathersWhatTheSpecRefersTo(t *testing.T) {
	const spec = `name: shop
services:
  web:
    image: shop/web:${TAG}
    env_file: [web.env]
    environment: [GREETING]
    secrets: [ca]
    configs: [conf]
secrets:
  ca:
    file: ./secrets/${CA}
configs:
  conf:
    file: ./conf/${TAG}.conf
`
	files := map[string]string{
		"compose.yaml":            spec,
		".env":                    "TAG=from-dotenv\nGREETING=hello from ${WHO:-nobody}\nCA=ca.pem\nDB_HOST=db.internal\nUNUSED=x\n",
		"web.env":                 "URL=postgres://${DB_HOST}/shop\n",
		"./secrets/ca.pem":        "CA",
		"./conf/v9.conf":          "listen 80",
		"./conf/from-dotenv.conf": "listen 81",
	}
	tests := []struct {
		name      string
		env       map[string]string
		wantEnv   map[string]string
		wantFiles map[string]string
	}{
		{
			name:    "variables the environment lacks come from .env",
			env:     map[string]string{"WHO": "env", "PATH": "/bin"},
			wantEnv: map[string]string{"TAG": "from-dotenv", "GREETING": "hello from env", "CA": "ca.pem", "DB_HOST": "db.internal"},
			wantFiles: map[string]string{
				"web.env": files["web.env"], "./secrets/ca.pem": "CA", "./conf/from-dotenv.conf": "listen 81",
			},
		},
		{
			name:    "the environment wins over .env",
			env:     map[string]string{"WHO": "env", "TAG": "v9", "DB_HOST": "db.env"},
			wantEnv: map[string]string{"TAG": "v9", "GREETING": "hello from env", "CA": "ca.pem", "DB_HOST": "db.env"},
			wantFiles: map[string]string{
				"web.env": files["web.env"], "./secrets/ca.pem": "CA", "./conf/v9.conf": "listen 80",
			},
		},
		{
			name:    "with no environment, .env alone sets the variables",
			env:     nil,
			wantEnv: map[string]string{"TAG": "from-dotenv", "GREETING": "hello from nobody", "CA": "ca.pem", "DB_HOST": "db.internal"},
			wantFiles: map[string]string{
				"web.env": files["web.env"], "./secrets/ca.pem": "CA", "./conf/from-dotenv.conf": "listen 81",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeFiles{files: files}
			var envBefore map[string]string
			if tt.env != nil {
				envBefore = map[string]string{}
				for k, v := range tt.env {
					envBefore[k] = v
				}
			}
			in, err := ReadFrom("apps/shop/compose.yaml", []byte(spec), "apps/shop", tt.env, fake.read)
			if err != nil {
				t.Fatal(err)
			}
			if in.Name != "apps/shop/compose.yaml" || in.Dir != "apps/shop" || string(in.Data) != spec {
				t.Errorf("Name %q, Dir %q, Data %q; want them as given", in.Name, in.Dir, in.Data)
			}
			if !reflect.DeepEqual(in.Env, tt.wantEnv) {
				t.Errorf("Env = %v, want %v", in.Env, tt.wantEnv)
			}
			if got := stringFiles(in.Files); !reflect.DeepEqual(got, tt.wantFiles) {
				t.Errorf("Files = %v, want %v", got, tt.wantFiles)
			}
			if !reflect.DeepEqual(tt.env, envBefore) {
				t.Errorf("ReadFrom changed the caller's env to %v", tt.env)
			}
			if want := []string{".env", "web.env", "./secrets/ca.pem", "./conf/" + tt.wantEnv["TAG"] + ".conf"}; !reflect.DeepEqual(fake.asked, want) {
				t.Errorf("read was asked for %q, want %q", fake.asked, want)
			}
			app, err := Read(in)
			if err != nil {
				t.Fatal(err)
			}
			web := app.Services[0]
			want := []string{"GREETING=" + tt.wantEnv["GREETING"], "URL=postgres://" + tt.wantEnv["DB_HOST"] + "/shop"}
			if !reflect.DeepEqual(web.Env, want) {
				t.Errorf("service env = %q, want %q", web.Env, want)
			}
			if web.Image != "shop/web:"+tt.wantEnv["TAG"] {
				t.Errorf("image %q, want the tag %s", web.Image, tt.wantEnv["TAG"])
			}
		})
	}
}

func TestReadFromErrors(t *testing.T) {
	errDisk := errors.New("disk on fire")
	tests := []struct {
		name   string
		spec   string
		files  map[string]string
		broken map[string]error
		// check looks at what ReadFrom and then Read return.
		check func(t *testing.T, in Input, err error)
	}{
		{
			name:  "a missing referenced file is left out, for Read to report where the spec names it",
			spec:  svc("image: a:v1", "env_file: web.env"),
			files: map[string]string{},
			check: func(t *testing.T, in Input, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if len(in.Files) != 0 {
					t.Errorf("Files = %v, want none", stringFiles(in.Files))
				}
				_, err = Read(in)
				expectOne(t, err, 5, "services.web.env_file", "env file web.env was not found")
			},
		},
		{
			name:   "an error reading a referenced file is returned, naming the spec",
			spec:   svc("image: a:v1", "env_file: web.env"),
			broken: map[string]error{"web.env": fmt.Errorf("reading web.env: %w", errDisk)},
			check: func(t *testing.T, _ Input, err error) {
				if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "compose.yaml") || !strings.Contains(err.Error(), "web.env") {
					t.Errorf("error %v, want errDisk naming compose.yaml and web.env", err)
				}
			},
		},
		{
			name:   "an error reading .env is returned",
			spec:   svc("image: a:v1"),
			broken: map[string]error{".env": fmt.Errorf("reading .env: %w", errDisk)},
			check: func(t *testing.T, _ Input, err error) {
				if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "env file") {
					t.Errorf("error %v, want errDisk saying it is the env file", err)
				}
			},
		},
		{
			name:  "a .env Compose cannot parse is a problem placed in it",
			spec:  svc("image: a:v1"),
			files: map[string]string{".env": "A='unterminated\n"},
			check: func(t *testing.T, _ Input, err error) {
				var e *Error
				if !errors.As(err, &e) || e.File != "shop/.env" {
					t.Errorf("error %v, want an *Error in shop/.env", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeFiles{files: tt.files, broken: tt.broken}
			in, err := ReadFrom("compose.yaml", []byte(tt.spec), "shop", map[string]string{}, fake.read)
			tt.check(t, in, err)
		})
	}
}

func stringFiles(files map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = string(v)
	}
	return out
}

func TestReadInputTakesADotEnvDirectoryForNoDotEnv(t *testing.T) {
	t.Setenv("TAG", "v1")
	path := writeSpec(t, "shop", map[string]string{"compose.yaml": svc("image: a:${TAG}")})
	if err := os.Mkdir(filepath.Join(filepath.Dir(path), ".env"), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := ReadInput(path)
	if err != nil {
		t.Fatalf("ReadInput beside a .env directory (a Python virtualenv): %v", err)
	}
	if want := map[string]string{"TAG": "v1"}; !reflect.DeepEqual(in.Env, want) {
		t.Errorf("Env = %v, want %v", in.Env, want)
	}
}
