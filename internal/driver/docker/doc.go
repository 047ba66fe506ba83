// Package docker is berth's driver for one Docker host, through the
// Docker Engine API (any daemon from API 1.41 on; the client negotiates
// the version).
//
// # Containers
//
// A replica is a container named berth-[<env>-]<app>-<service>-<set>-
// r<revision>-<index>-<4 random hex digits>, <env> the driver's
// environment if it has one. Start applies every field of
// driver.Runtime as docker compose up applies the same Compose key (its
// pkg/compose/create.go): user, working directory, host and domain
// name, read-only root, init, privileges and capabilities, security
// options (systempaths=unconfined unmasks /proc and /sys, as compose
// does), stop signal (Stop sends it), groups, namespaces (ipc, pid,
// uts, userns, cgroup), terminal and stdin, mounts, files, published
// and exposed ports, networks, resources, ulimits, sysctls, shm size,
// extra hosts, DNS, devices (rwm unless set), device cgroup rules,
// cgroup parent, OCI runtime, storage options, annotations, logging and
// the restart policy. A CPU reservation, which one Docker host has no
// notion of, is a relative weight: CPU shares, 1024 for a whole CPU,
// unless cpu_shares sets them. What the daemon cannot apply is refused
// (Refuses) before anything is made: the keys of cluster drivers
// (deploy.placement, deploy.endpoint_mode, deploy.labels, generic
// resources), deploy.restart_policy's delay and window, and what the
// daemon's API version or host lacks (see Refuses). A container the
// daemon answers with a warning that it discarded a setting ("Weight
// discarded") is removed and Start fails, so that nothing is silently
// left out.
//
// Describe reads a container's Runtime back from the daemon, in
// driver.Runtime.Normalized's form and without what the image or the
// daemon add of their own; for everything Start applies it equals the
// spec's normalized runtime, which is what a drift check compares.
//
// Everything berth needs to rebuild its view after a restart is in the
// container's labels (driver.Label*, LabelPort, LabelNetworks,
// LabelVolumes, LabelMACs, LabelReservedCPUs), so List needs no state
// of its own.
//
// # Networks and volumes
//
// Prepare makes the app's networks and named volumes, labelled
// driver.LabelManaged, driver.LabelApp, driver.LabelInstance,
// driver.LabelEnv and LabelNetwork or LabelVolume (the name in the
// spec). The default network is berth-<app> for a driver without an
// instance or an environment; every other network and volume is
// berth-[<instance>-][<env>-]<app>-<name>-<6 hex digits of a hash of
// the four>, or the spec's fixed name (the same in every environment,
// so two environments cannot both make it). A network or volume
// of that name that is not this driver's for the app is refused, never
// adopted; an external one is joined or mounted, never made or removed,
// and a missing one fails Prepare. Start joins the container to its
// networks in priority order (the first at creation, the others before
// it starts, as docker compose does for daemons before API 1.44), with
// the service's name as an alias on each unless the spec says
// otherwise. The proxy reaches a routed container at its IP on the
// app's default network (Instance.Addr), or, for a container that is
// not on it, on the first network it joined. Release removes the
// networks once no container is left, and the app's own volumes, with
// their data, only when asked.
//
// # Instances and environments
//
// Two berths can share one daemon (WithInstance): each labels all it
// makes with its instance ID and puts the ID in the names of its
// networks and volumes, and lists, inspects, stops, removes, describes
// and releases only what carries its ID; another's container is
// reported as not found. A driver that adopts unlabelled objects also
// counts those made before instance IDs existed as its own, and keeps
// using the network berth-<app> and volumes named without an instance,
// so that upgrading loses neither a running container nor data.
//
// Within one berth, each environment (integration, qa, production)
// has a driver of its own (WithEnvironment), and the same app may run
// in several on one daemon: each driver labels all it makes with
// driver.LabelEnv, puts the environment in the names of its
// containers, networks and volumes, and sees only what carries its
// environment, as for instances, its Watch included. One environment,
// the one that inherits the host from before environments, adopts
// unlabelled objects: it keeps the running containers, and Prepare
// finds the networks and volumes by the names they had, with their
// data. With both kinds of adoption, Prepare looks for an object as it
// was named before environments and instances, then before
// environments, then before instances, and makes it under its own name
// last. A driver without an environment sees only objects without the
// label.
//
// # Secrets and configs
//
// Runtime.Files are written under the directory WithFilesDir gives
// (berth's data directory, on the Docker host), in
// <instance or _>/[env=<env>/]<app>/<container>/, with their mode and
// owner (numeric ids; owning a file by another user needs berth to run
// as root), and bind-mounted read-only at their targets, as docker
// compose mounts a file secret; so they work on a read-only root
// filesystem too. A container's files go with it (Remove), and List and
// Prepare remove those of containers that went without Remove; the
// files of a container a driver adopted stay where they were written,
// and go with it just the same.
//
// Errors for containers, networks and volumes the daemon does not know
// wrap driver.ErrNotFound, and images that cannot be had wrap
// driver.ErrImage; the daemon's message is kept in both.
package docker
