namespace MlOps.Registry;

/// <summary>Who is acting, for the audit trail: "ci" under a CI system (CI=true), else the OS user name.</summary>
public static class RegistryActor
{
    public static string Current() =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) ? "ci" : Environment.UserName;
}
