using System.Runtime.CompilerServices;

namespace MlOps.Tests.Shared;

/// <summary>Registrations made by tests (in-process or in child processes) go to a throw-away catalog, never the user's.</summary>
internal static class CatalogIsolation
{
    [ModuleInitializer]
    internal static void UseTemporaryCatalog() =>
        Environment.SetEnvironmentVariable("MLOPS_CATALOG", Directory.CreateTempSubdirectory("mlops-catalog-tests-").FullName);
}
