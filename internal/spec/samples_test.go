package spec

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// sample is a key set to a value other than its default: lines of the
// service web, and what else the spec needs for them (other services,
// indented as web is, and top-level keys).
type sample struct {
	lines []string
	extra string
	files map[string][]byte
}

// samples holds one sample for every key of serviceKeys.
var samples = map[string]sample{
	"annotations":                           {lines: []string{"annotations: {com.example.a: b}"}},
	"attach":                                {lines: []string{"attach: false"}},
	"blkio_config":                          {lines: []string{"blkio_config: {weight: 300}"}},
	"build":                                 {lines: []string{"build: ."}},
	"cap_add":                               {lines: []string{"cap_add: [NET_ADMIN]"}},
	"cap_drop":                              {lines: []string{"cap_drop: [ALL]"}},
	"cgroup":                                {lines: []string{"cgroup: host"}},
	"cgroup_parent":                         {lines: []string{"cgroup_parent: shop.slice"}},
	"command":                               {lines: []string{"command: [serve]"}},
	"configs":                               {lines: []string{"configs: [c]"}, extra: "configs: {c: {content: hello}}\n"},
	"container_name":                        {lines: []string{"container_name: web1"}},
	"cpu_count":                             {lines: []string{"cpu_count: 2"}},
	"cpu_percent":                           {lines: []string{"cpu_percent: 50"}},
	"cpu_period":                            {lines: []string{"cpu_period: 100000"}},
	"cpu_quota":                             {lines: []string{"cpu_quota: 50000"}},
	"cpu_rt_period":                         {lines: []string{"cpu_rt_period: 1000000"}},
	"cpu_rt_runtime":                        {lines: []string{"cpu_rt_runtime: 950000"}},
	"cpu_shares":                            {lines: []string{"cpu_shares: 512"}},
	"cpus":                                  {lines: []string{"cpus: 0.5"}},
	"cpuset":                                {lines: []string{"cpuset: '0'"}},
	"credential_spec":                       {lines: []string{"credential_spec: {file: spec.json}"}},
	"depends_on":                            {lines: []string{"depends_on: [db]"}, extra: "  db: {image: a:v1}\n"},
	"deploy":                                {lines: []string{"deploy: {replicas: 2}"}},
	"deploy.endpoint_mode":                  {lines: []string{"deploy: {endpoint_mode: dnsrr}"}},
	"deploy.labels":                         {lines: []string{"deploy: {labels: {tier: web}}"}},
	"deploy.mode":                           {lines: []string{"deploy: {mode: replicated}"}},
	"deploy.placement":                      {lines: []string{"deploy: {placement: {constraints: [node.role == worker]}}"}},
	"deploy.replicas":                       {lines: []string{"deploy: {replicas: 2}"}},
	"deploy.resources.limits.cpus":          {lines: []string{"deploy: {resources: {limits: {cpus: '0.5'}}}"}},
	"deploy.resources.limits.memory":        {lines: []string{"deploy: {resources: {limits: {memory: 64m}}}"}},
	"deploy.resources.limits.pids":          {lines: []string{"deploy: {resources: {limits: {pids: 10}}}"}},
	"deploy.resources.reservations.cpus":    {lines: []string{"deploy: {resources: {reservations: {cpus: '0.5'}}}"}},
	"deploy.resources.reservations.devices": {lines: []string{"deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}"}},
	"deploy.resources.reservations.generic_resources": {lines: []string{"deploy: {resources: {reservations: {generic_resources: [{discrete_resource_spec: {kind: SSD, value: 1}}]}}}"}},
	"deploy.resources.reservations.memory":            {lines: []string{"deploy: {resources: {reservations: {memory: 32m}}}"}},
	"deploy.restart_policy":                           {lines: []string{"deploy: {restart_policy: {condition: on-failure}}"}},
	"deploy.rollback_config":                          {lines: []string{"deploy: {rollback_config: {delay: 5s}}"}},
	"deploy.update_config":                            {lines: []string{"deploy: {update_config: {delay: 5s}}"}},
	"develop":                                         {lines: []string{"develop: {watch: [{path: ., action: rebuild}]}"}},
	"device_cgroup_rules":                             {lines: []string{"device_cgroup_rules: ['c 1:3 mr']"}},
	"devices":                                         {lines: []string{"devices: [/dev/fuse]"}},
	"dns":                                             {lines: []string{"dns: 1.1.1.1"}},
	"dns_opt":                                         {lines: []string{"dns_opt: [use-vc]"}},
	"dns_search":                                      {lines: []string{"dns_search: [shop.internal]"}},
	"domainname":                                      {lines: []string{"domainname: shop.internal"}},
	"entrypoint":                                      {lines: []string{"entrypoint: [/bin/shop]"}},
	"env_file":                                        {lines: []string{"env_file: web.env"}, files: map[string][]byte{"web.env": []byte("A=1\n")}},
	"environment":                                     {lines: []string{"environment: [A=1]"}},
	"expose":                                          {lines: []string{"expose: [80]"}},
	"extends":                                         {lines: []string{"extends: {service: base}"}, extra: "  base: {image: a:v1, user: '1000'}\n"},
	"external_links":                                  {lines: []string{"external_links: [redis]"}},
	"extra_hosts":                                     {lines: []string{"extra_hosts: ['db=10.0.0.2']"}},
	"gpus":                                            {lines: []string{"gpus: all"}},
	"group_add":                                       {lines: []string{"group_add: [mail]"}},
	"healthcheck":                                     {lines: []string{"healthcheck: {test: [CMD, /bin/ok]}"}},
	"hostname":                                        {lines: []string{"hostname: web"}},
	"image":                                           {lines: []string{"image: b:v1"}},
	"init":                                            {lines: []string{"init: true"}},
	"ipc":                                             {lines: []string{"ipc: host"}},
	"isolation":                                       {lines: []string{"isolation: process"}},
	"label_file":                                      {lines: []string{"label_file: web.labels"}, files: map[string][]byte{"web.labels": []byte("team=shop\n")}},
	"labels":                                          {lines: []string{"labels: {team: shop}"}},
	"links":                                           {lines: []string{"links: [db]"}, extra: "  db: {image: a:v1}\n"},
	"logging":                                         {lines: []string{"logging: {driver: none}"}},
	"mac_address":                                     {lines: []string{"mac_address: 02:42:ac:11:00:02"}},
	"mem_limit":                                       {lines: []string{"mem_limit: 64m"}},
	"mem_reservation":                                 {lines: []string{"mem_reservation: 32m"}},
	"mem_swappiness":                                  {lines: []string{"mem_swappiness: 10"}},
	"memswap_limit":                                   {lines: []string{"memswap_limit: 128m"}},
	"models":                                          {lines: []string{"models: [m]"}, extra: "models: {m: {model: ai/smollm2}}\n"},
	"network_mode":                                    {lines: []string{"network_mode: host"}},
	"networks":                                        {lines: []string{"networks: [front]"}, extra: "networks: {front: {}}\n"},
	"oom_kill_disable":                                {lines: []string{"oom_kill_disable: true"}},
	"oom_score_adj":                                   {lines: []string{"oom_score_adj: 100"}},
	"pid":                                             {lines: []string{"pid: host"}},
	"pids_limit":                                      {lines: []string{"pids_limit: 10"}},
	"platform":                                        {lines: []string{"platform: linux/arm64"}},
	"ports":                                           {lines: []string{"ports: [80]"}},
	"post_start":                                      {lines: []string{"post_start: [{command: [/bin/warm]}]"}},
	"pre_start":                                       {lines: []string{"pre_start: [{command: [/bin/migrate]}]"}},
	"pre_stop":                                        {lines: []string{"pre_stop: [{command: [/bin/drain]}]"}},
	"privileged":                                      {lines: []string{"privileged: true"}},
	"profiles":                                        {lines: []string{"profiles: [debug]"}, extra: "  other: {image: a:v1}\n"},
	"provider":                                        {lines: []string{"provider: {type: model}"}},
	"pull_policy":                                     {lines: []string{"pull_policy: always"}},
	"pull_refresh_after":                              {lines: []string{"pull_refresh_after: 1h"}},
	"read_only":                                       {lines: []string{"read_only: true"}},
	"restart":                                         {lines: []string{"restart: always"}},
	"runtime":                                         {lines: []string{"runtime: runsc"}},
	"scale":                                           {lines: []string{"scale: 2"}},
	"secrets":                                         {lines: []string{"secrets: [s]"}, extra: "secrets: {s: {file: s.txt}}\n", files: map[string][]byte{"s.txt": []byte("x")}},
	"security_opt":                                    {lines: []string{"security_opt: [label=disable]"}},
	"shm_size":                                        {lines: []string{"shm_size: 64m"}},
	"stdin_open":                                      {lines: []string{"stdin_open: true"}},
	"stop_grace_period":                               {lines: []string{"stop_grace_period: 5s"}},
	"stop_signal":                                     {lines: []string{"stop_signal: SIGINT"}},
	"storage_opt":                                     {lines: []string{"storage_opt: {size: 1G}"}},
	"sysctls":                                         {lines: []string{"sysctls: {net.core.somaxconn: '1024'}"}},
	"tmpfs":                                           {lines: []string{"tmpfs: [/run]"}},
	"tty":                                             {lines: []string{"tty: true"}},
	"ulimits":                                         {lines: []string{"ulimits: {nproc: 5}"}},
	"umask":                                           {lines: []string{"umask: '077'"}},
	"use_api_socket":                                  {lines: []string{"use_api_socket: true"}},
	"user":                                            {lines: []string{"user: '1000'"}},
	"userns_mode":                                     {lines: []string{"userns_mode: host"}},
	"uts":                                             {lines: []string{"uts: host"}},
	"volumes":                                         {lines: []string{"volumes: [data:/data]"}, extra: "volumes: {data: {}}\n"},
	"volumes_from":                                    {lines: []string{"volumes_from: [db]"}, extra: "  db: {image: a:v1}\n"},
	"working_dir":                                     {lines: []string{"working_dir: /srv"}},
	"x-berth":                                         {lines: []string{"x-berth: {ready_after: 1s}"}},
}

// noEffect are the keys berth accepts that change nothing it deploys,
// with why.
var noEffect = map[string]string{
	"attach":      "there is no terminal to attach to",
	"build":       "berth deploys the image, built in CI",
	"deploy.mode": "replicated, the only mode berth runs, is the default",
}

// sampleInput is the spec with web set as in s.
func sampleInput(s sample) Input {
	lines := append([]string{"image: a:v1"}, s.lines...)
	if strings.HasPrefix(s.lines[0], "image:") {
		lines = s.lines
	}
	return Input{Data: []byte(svc(lines...) + s.extra), Files: s.files}
}

// serviceNamed returns the service of app named name.
func serviceNamed(app *App, name string) Service {
	for _, s := range app.Services {
		if s.Name == name {
			return s
		}
	}
	return Service{}
}

// webOf returns the identity of service web as deployed: its
// configuration and its image.
func webOf(t testing.TB, app *App) string {
	t.Helper()
	if s := serviceNamed(app, "web"); s.Name != "" {
		return s.ConfigDigest() + " " + s.Image
	}
	return "no web"
}

func TestEveryKeyHasASample(t *testing.T) {
	for _, k := range slices.Sorted(maps.Keys(serviceKeys)) {
		if _, ok := samples[k]; !ok {
			t.Errorf("no sample for %s", k)
		}
	}
}

func TestEveryAppliedKeyChangesWhatIsDeployed(t *testing.T) {
	base := webOf(t, mustParse(t, svc("image: a:v1")))
	for _, k := range slices.Sorted(maps.Keys(serviceKeys)) {
		r, s := serviceKeys[k], samples[k]
		if r.status == keyRefused || len(s.lines) == 0 {
			continue
		}
		t.Run(k, func(t *testing.T) {
			app, err := Read(sampleInput(s))
			if err != nil {
				t.Fatalf("%s is %s, but the spec was refused: %v", k, r.status, err)
			}
			web := webOf(t, app)
			if why, ok := noEffect[k]; ok {
				if web != base {
					t.Fatalf("%s changed the service, but it has no effect: %s", k, why)
				}
				return
			}
			if web == base {
				t.Fatalf("%s is %s, but setting it changed nothing berth deploys", k, r.status)
			}
			// profiles leaves web out, x-berth is berth's own and extends
			// is merged away: none is a key a driver is asked about.
			if k == "profiles" || k == "x-berth" || k == "extends" {
				return
			}
			if keys := serviceNamed(app, "web").Keys; !slices.ContainsFunc(keys, func(key string) bool {
				return key == k || strings.HasPrefix(key, k+".") || strings.HasPrefix(k, key+".")
			}) {
				t.Errorf("%s is not among the service's Keys %q, which driver.Refuser is asked about", k, keys)
			}
		})
	}
}

func TestEveryRefusedKeyIsRefusedByName(t *testing.T) {
	for _, k := range slices.Sorted(maps.Keys(serviceKeys)) {
		r := serviceKeys[k]
		if r.status != keyRefused {
			continue
		}
		t.Run(k, func(t *testing.T) {
			_, err := Read(sampleInput(samples[k]))
			es := problems(t, err)
			path := "services.web." + k
			if !slices.ContainsFunc(es, func(e *Error) bool {
				return e.Path == path && e.Line > 0 && e.Message == "not supported: "+r.note
			}) {
				t.Fatalf("problems = %v\nwant one at %s: not supported: %s", err, path, r.note)
			}
		})
	}
}
