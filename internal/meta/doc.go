// Package meta is berth's metadata store: repositories, tags, manifests,
// per-repository blob links, referrers and upload sessions, kept in an
// embedded bbolt database so that every change is one atomic, durable
// transaction.
//
// Layout (bbolt buckets):
//
//	blobs/<digest>               every blob committed to disk: size, time
//	manifests/<digest>           every manifest: media type, references
//	bodies/<digest>              the manifest bytes, served as they came
//	uploads/<id>                 upload sessions: repository, start time
//	audit/<time><seq>            who pushed or deleted what, and when
//	deliveries/<time><seq>       webhook deliveries and their attempts
//	bloblinks/<digest>\x00<repo>  which repositories link a blob
//	manifestlinks/<d>\x00<repo>   which repositories link a manifest
//	repos/<name>/blobs/<digest>  blobs linked into a repository
//	repos/<name>/manifests/<d>   manifests linked into a repository
//	repos/<name>/tags/<tag>      tag -> time set, manifest digest
//	repos/<name>/referrers/<subject>\x00<digest>   referrer descriptors
//	repos/<name>/refs/<needed>\x00<manifest>       what each manifest needs
//
// Global records say what exists; repository links say who may see it.
// That split is what lets garbage collection mark from tags and links and
// sweep global records while the registry keeps serving.
//
// Writes from concurrent requests are group-committed: one transaction and
// one fsync carry every write that arrived while the previous commit was
// on disk.
package meta
