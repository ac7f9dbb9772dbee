using System.Runtime.CompilerServices;

// The benchmark fills a store with PostgresStore.SaveRuns (many runs per transaction), which is not public API.
[assembly: InternalsVisibleTo("MlOps.Bench")]
