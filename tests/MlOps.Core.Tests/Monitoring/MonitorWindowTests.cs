using MlOps.Monitoring;

namespace MlOps.Tests.Monitoring;

public sealed class MonitorWindowTests
{
    [Fact]
    public void Windows_go_beside_an_embedded_store_and_under_the_working_directory_for_a_server_store()
    {
        var store = Path.Combine(Path.GetTempPath(), "project", ".mlops", "mlops.db");
        Assert.Equal(Path.Combine(Path.GetTempPath(), "project", ".mlops", "windows"), MonitorWindow.Directory(store));
        Assert.Equal(Path.GetFullPath(Path.Combine(".mlops", "windows")), MonitorWindow.Directory("postgres://mlops@db.example:5432/team"));
        Assert.Equal(Path.GetFullPath(Path.Combine("rel", "windows")), MonitorWindow.Directory(Path.Combine("rel", "mlops.db")));
    }
}
