using MlOps.Registry;
using MlOps.Serving;
using MlOps.Tracking;

namespace MlOps.Monitoring;

/// <summary>
/// Reference profiles as the surfaces need them: built when a version is registered (so a check never re-reads the
/// training data), or on first use when registration could not build one (data moved, custom steps, an older store).
/// </summary>
public static class ReferenceProfiles
{
    /// <summary>
    /// Build and store the profile of every version registered on <paramref name="events"/>. A profile that cannot be
    /// built is skipped silently: the registration stands, and <see cref="GetOrBuild"/> explains the problem when the
    /// version is first monitored.
    /// </summary>
    public static IDisposable BuildOnRegistration(RegistryEventHub events, IRunStore runs) =>
        events.Subscribe<ModelVersionRegistered>(e =>
        {
            if (runs is not IMonitoringStore monitoring)
                return;
            try
            {
                monitoring.SaveProfile(Build(e.Registered, runs));
            }
            catch (MlOpsException)
            {
                // Not a registration failure (and not a catalog one, which is what the hub's errors report).
            }
        });

    /// <summary>The stored profile of a version, else one built now from its training rows and stored.</summary>
    public static ReferenceProfile GetOrBuild(ModelVersion version, IRunStore runs)
    {
        var monitoring = runs as IMonitoringStore ?? throw new MlOpsException(
            $"The store at {runs.Location} cannot keep monitoring records. Open it with --store (a folder or a postgres:// URL): those stores keep them.");
        if (monitoring.FindProfile(version.Model, version.Version) is { } stored)
            return stored;
        ReferenceProfile profile;
        try
        {
            profile = Build(version, runs);
        }
        catch (MlOpsException e)
        {
            throw new MlOpsException(
                $"'{version.Model}' v{version.Version} has no stored reference profile, and it cannot be built now: {e.Message} " +
                "The profile is what drift is measured against; build it from the training rows in a notebook " +
                "(ReferenceProfile.Build, then SaveProfile on the store), or re-register a run whose data is still in place.", e);
        }
        monitoring.SaveProfile(profile);
        return profile;
    }

    private static ReferenceProfile Build(ModelVersion version, IRunStore runs)
    {
        var rows = TrainingRows.Load(version, runs);
        using var scorer = ModelScorer.Load(version, runs.Artifacts);
        return ReferenceProfile.Build(rows, version, scorer);
    }
}
