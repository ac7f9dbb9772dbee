using MlOps.Monitoring;
using MlOps.Storage.LiteDb;

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

    [Theory]
    [InlineData("../escape")]
    [InlineData("sub/escape")]
    [InlineData("bell\u0007")]
    public void A_window_from_the_log_refuses_a_model_name_that_would_leave_the_windows_folder(string model)
    {
        var root = Directory.CreateTempSubdirectory("mlops-window-").FullName;
        try
        {
            using var store = LiteDbRunStore.Open(Path.Combine(root, ".mlops"));

            var e = Assert.Throws<MlOpsException>(() => MonitorWindow.Resolve(store, model, null, fromLog: true, null, null));

            Assert.Contains("is not allowed", e.Message);
            Assert.Empty(Directory.EnumerateFiles(root, "*escape*", SearchOption.AllDirectories));
            Assert.False(Directory.Exists(MonitorWindow.Directory(store.Location)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
