using System.Runtime.CompilerServices;

// The benchmark compares connection modes, which are not part of the public API.
[assembly: InternalsVisibleTo("MlOps.Bench")]
[assembly: InternalsVisibleTo("MlOps.Core.Tests")]
