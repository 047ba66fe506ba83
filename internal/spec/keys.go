package spec

// keyStatus is what berth does with a Compose key on a Docker host.
type keyStatus string

const (
	// keyApplied keys are applied as docker compose applies them.
	keyApplied keyStatus = "applied"
	// keyDiffers keys are applied, with a difference the note says.
	keyDiffers keyStatus = "applied, with a difference"
	// keyRefused keys are refused when the spec is read: the note is
	// the reason and the way out.
	keyRefused keyStatus = "refused"
	// keyCluster keys are read into Service.Cluster for drivers that
	// place containers on several nodes; the others, the Docker driver
	// among them, refuse them through driver.Refuser.
	keyCluster keyStatus = "for cluster drivers"
)

// keyRule is what berth does with one key, and why.
type keyRule struct {
	status keyStatus
	note   string
}

// topKeys are the top-level keys of a Compose file.
var topKeys = map[string]keyRule{
	"version":  {keyApplied, "obsolete: accepted and unused, as in Compose"},
	"name":     {keyApplied, "the app's name; else the spec's directory names it"},
	"include":  {keyRefused, "berth deploys one file"},
	"services": {keyApplied, "see the service keys below"},
	"networks": {keyApplied, "made for the app, the default network always among them: driver, driver_opts, labels, internal, attachable, enable_ipv4, enable_ipv6, ipam, name; external ones are joined, never made or removed"},
	"volumes":  {keyApplied, "the app's named volumes, which outlive every rollout and rollback: driver, driver_opts, labels, name; external ones are mounted, never made or removed"},
	"secrets":  {keyDiffers, "file and environment: the deploying client reads the value and sends it with the spec, and the engine places it as a file; name and labels name a Swarm object and do nothing on one host, as in docker compose; external, driver, driver_opts and template_driver are refused, as docker compose refuses them"},
	"configs":  {keyDiffers, "file, environment and content, as secrets; external and template_driver are refused, as docker compose refuses them"},
	"models":   {keyRefused, "berth does not run Docker Model Runner models"},
	"jobs":     {keyRefused, "jobs run to completion, once or on a schedule; berth keeps services running"},
}

// windowsOnly is the reason for refusing the keys only Windows
// containers read.
const windowsOnly = "a setting of Windows containers; berth runs Linux containers"

// hooks is the reason for refusing lifecycle hooks.
const hooks = "berth does not run lifecycle hooks; run the step in the image's entrypoint, or as a service of its own"

// serviceKeys are the keys of a Compose service, with deploy's below it
// written deploy.<key> and deploy.resources' written in full.
var serviceKeys = map[string]keyRule{
	"annotations":                           {keyApplied, ""},
	"attach":                                {keyDiffers, "berth attaches to no terminal; berth logs shows a service's output whatever it says"},
	"blkio_config":                          {keyApplied, ""},
	"build":                                 {keyDiffers, "berth deploys image and never builds: build and push in CI (berth publish); a service with build and no image is refused"},
	"cap_add":                               {keyApplied, ""},
	"cap_drop":                              {keyApplied, ""},
	"cgroup":                                {keyApplied, "host or private"},
	"cgroup_parent":                         {keyApplied, ""},
	"command":                               {keyApplied, ""},
	"configs":                               {keyDiffers, "placed as a file with its content, at /<name> unless target says otherwise; uid, gid and mode (0444 unless set) apply to every config, where docker compose bind-mounts a file-backed one and ignores them"},
	"container_name":                        {keyRefused, "a fixed name allows one container, and berth runs one per replica and a new one beside the old during a start-first rollout; berth names containers itself (app, service, revision, set, index)"},
	"cpu_count":                             {keyRefused, windowsOnly},
	"cpu_percent":                           {keyRefused, windowsOnly},
	"cpu_period":                            {keyApplied, ""},
	"cpu_quota":                             {keyApplied, ""},
	"cpu_rt_period":                         {keyApplied, ""},
	"cpu_rt_runtime":                        {keyApplied, ""},
	"cpu_shares":                            {keyApplied, ""},
	"cpus":                                  {keyApplied, "as deploy.resources.limits.cpus; both set must agree"},
	"cpuset":                                {keyApplied, ""},
	"credential_spec":                       {keyRefused, windowsOnly},
	"depends_on":                            {keyApplied, "a rollout updates the services depended on first and waits for the condition; service_healthy waits until the dependency is ready as berth judges it (its healthcheck, its route's check, or ready_after); a dependency that is not a service of the app, or a cycle, is refused"},
	"deploy":                                {keyApplied, "see the deploy keys"},
	"deploy.endpoint_mode":                  {keyCluster, "how a Swarm service is reached (vip, dnsrr)"},
	"deploy.labels":                         {keyCluster, "labels of the cluster's service object, not of the containers"},
	"deploy.mode":                           {keyApplied, "replicated; global is refused (berth does not support it yet): set replicas"},
	"deploy.placement":                      {keyCluster, "constraints, preferences and max_replicas_per_node choose nodes"},
	"deploy.replicas":                       {keyApplied, "scale and deploy.replicas both set must agree"},
	"deploy.resources.limits.cpus":          {keyApplied, ""},
	"deploy.resources.limits.memory":        {keyApplied, ""},
	"deploy.resources.limits.pids":          {keyApplied, ""},
	"deploy.resources.reservations.cpus":    {keyDiffers, "a relative CPU weight on one Docker host, a scheduling reservation on a cluster; docker compose leaves it out on one host"},
	"deploy.resources.reservations.devices": {keyRefused, "berth does not pass device requests (GPUs) to containers; a host device can be given with devices"},
	"deploy.resources.reservations.generic_resources": {keyCluster, "resources a cluster's nodes advertise"},
	"deploy.resources.reservations.memory":            {keyApplied, ""},
	"deploy.restart_policy":                           {keyDiffers, "condition and max_attempts as restart; delay and window only where the driver takes them, and the others refuse them (driver.Refuser); restart and restart_policy both set must agree"},
	"deploy.rollback_config":                          {keyDiffers, "paces berth rollback, not the automatic revert; order is stop-first for a service that must not run two containers at once"},
	"deploy.update_config":                            {keyDiffers, "berth's rollouts: order is start-first unless set, stop-first for a service that must not run two containers at once (named volume written to, fixed host port or address); failure_action rollback, pause or continue"},
	"develop":                                         {keyRefused, "compose watch syncs files from a developer's machine into running containers; berth deploys images"},
	"device_cgroup_rules":                             {keyApplied, ""},
	"devices":                                         {keyApplied, "host devices; a CDI device name is refused, as a device request"},
	"dns":                                             {keyApplied, ""},
	"dns_opt":                                         {keyApplied, ""},
	"dns_search":                                      {keyApplied, ""},
	"domainname":                                      {keyApplied, ""},
	"entrypoint":                                      {keyApplied, ""},
	"env_file":                                        {keyApplied, "the deploying client reads the file and sends it with the spec; a missing one is refused unless required: false"},
	"environment":                                     {keyApplied, ""},
	"expose":                                          {keyApplied, "ranges become one port each"},
	"extends":                                         {keyApplied, "from a service of the same file; extends.file is refused: berth deploys one file"},
	"external_links":                                  {keyRefused, "it links to containers outside the app by name; join their network instead (a top-level network with external: true)"},
	"extra_hosts":                                     {keyApplied, ""},
	"gpus":                                            {keyRefused, "berth does not pass device requests (GPUs) to containers; a host device can be given with devices"},
	"group_add":                                       {keyApplied, ""},
	"healthcheck":                                     {keyApplied, "Docker's defaults: interval 30s, timeout 30s, retries 3"},
	"hostname":                                        {keyApplied, ""},
	"image":                                           {keyApplied, "resolved to a digest when deployed; required"},
	"init":                                            {keyApplied, ""},
	"ipc":                                             {keyApplied, "none, private, shareable or host; service: and container: are refused, as the container shared with is replaced on every rollout"},
	"isolation":                                       {keyRefused, windowsOnly},
	"label_file":                                      {keyApplied, "as env_file"},
	"labels":                                          {keyApplied, "the berth. prefix is berth's own"},
	"links":                                           {keyRefused, "services reach each other by service name on the app's networks; links and their aliases are a legacy of Docker's default bridge"},
	"logging":                                         {keyApplied, ""},
	"mac_address":                                     {keyApplied, "a fixed address allows one container at a time: the service rolls stop-first, with one replica"},
	"mem_limit":                                       {keyApplied, "as deploy.resources.limits.memory; both set must agree"},
	"mem_reservation":                                 {keyApplied, "as deploy.resources.reservations.memory; both set must agree"},
	"mem_swappiness":                                  {keyApplied, ""},
	"memswap_limit":                                   {keyApplied, ""},
	"models":                                          {keyRefused, "berth does not run Docker Model Runner models"},
	"network_mode":                                    {keyRefused, "berth puts every container on the app's networks, where the proxy reaches it and services find each other by name; host, none, bridge, service: and container: all take it off them"},
	"networks":                                        {keyApplied, "aliases, ipv4_address, ipv6_address, link_local_ips, mac_address, interface_name, driver_opts, gw_priority, priority, use_service_name_alias; a fixed address allows one container at a time, as a fixed host port"},
	"oom_kill_disable":                                {keyApplied, ""},
	"oom_score_adj":                                   {keyApplied, ""},
	"pid":                                             {keyApplied, "host; service: and container: are refused, as the container shared with is replaced on every rollout"},
	"pids_limit":                                      {keyApplied, "as deploy.resources.limits.pids; both set must agree"},
	"platform":                                        {keyRefused, "berth runs the image's digest as resolved in the registry; push an image for the host's platform, or a multi-platform index"},
	"ports":                                           {keyApplied, "ranges become one port each; a fixed host port allows one container at a time: the service rolls stop-first, with one replica and the rolling strategy (a port the host picks has no such limit); name, app_protocol and mode do nothing on one host, as in docker compose"},
	"post_start":                                      {keyRefused, hooks},
	"pre_start":                                       {keyRefused, hooks},
	"pre_stop":                                        {keyRefused, hooks},
	"privileged":                                      {keyApplied, ""},
	"profiles":                                        {keyApplied, "a service with profiles is left out: berth enables no profile"},
	"provider":                                        {keyRefused, "a provider service is run by a plugin of the docker compose command, which berth is not"},
	"pull_policy":                                     {keyApplied, "always, missing, if_not_present, never; build and the periodic ones are refused: berth pulls when it deploys"},
	"pull_refresh_after":                              {keyRefused, "berth pulls when it deploys, never on a timer"},
	"read_only":                                       {keyApplied, ""},
	"restart":                                         {keyApplied, "berth also replaces a replica that is gone, whatever the policy"},
	"runtime":                                         {keyApplied, ""},
	"scale":                                           {keyApplied, "as deploy.replicas"},
	"secrets":                                         {keyDiffers, "placed as a file with its content, at /run/secrets/<name> unless target says otherwise; uid, gid and mode (0444 unless set) apply to every secret, where docker compose bind-mounts a file-backed one and ignores them"},
	"security_opt":                                    {keyApplied, "a seccomp profile file is read by the deploying client and sent inline"},
	"shm_size":                                        {keyApplied, ""},
	"stdin_open":                                      {keyApplied, ""},
	"stop_grace_period":                               {keyApplied, "10s unless set"},
	"stop_signal":                                     {keyApplied, ""},
	"storage_opt":                                     {keyApplied, ""},
	"sysctls":                                         {keyApplied, ""},
	"tmpfs":                                           {keyApplied, ""},
	"tty":                                             {keyApplied, ""},
	"ulimits":                                         {keyApplied, ""},
	"umask":                                           {keyRefused, "the Docker Engine has no umask setting, and docker compose does not apply it either; set it in the image's entrypoint"},
	"use_api_socket":                                  {keyRefused, "it would hand the container the Docker socket and berth's own registry credentials; bind-mount /var/run/docker.sock if that is truly meant"},
	"user":                                            {keyApplied, ""},
	"userns_mode":                                     {keyApplied, ""},
	"uts":                                             {keyApplied, ""},
	"volumes":                                         {keyApplied, "named volumes are the app's and outlive every rollout; an anonymous volume is refused (it would not); a service writing to a named volume rolls stop-first, with one replica and the rolling strategy, unless x-berth.shared_volumes: true; a relative bind source is read against the spec's directory, when berth has it"},
	"volumes_from":                                    {keyRefused, "berth replaces containers on every rollout, so there is no container to take volumes from; declare a named volume and mount it in both services"},
	"working_dir":                                     {keyApplied, ""},
	"x-berth":                                         {keyApplied, "berth's own keys; a service key close to it (x-bert, X-Berth, x_berth) is refused as a misspelling"},
}
