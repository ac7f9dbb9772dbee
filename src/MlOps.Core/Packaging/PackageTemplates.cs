using System.Globalization;
using System.Text;
using System.Text.Json;
using MlOps.Pipeline;
using MlOps.Tracking;

namespace MlOps.Packaging;

/// <summary>The package's start scripts, Dockerfile and README, written from the version it holds.</summary>
internal static class PackageTemplates
{
    public const int ContainerPort = 8080;

    public static void Write(string directory, PackageManifest manifest, FittedFeaturizer featurizer)
    {
        var sh = Path.Combine(directory, "serve.sh");
        File.WriteAllText(sh, ServeSh);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(sh, File.GetUnixFileMode(sh) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        File.WriteAllText(Path.Combine(directory, "serve.cmd"), ServeCmd.ReplaceLineEndings("\r\n"));
        File.WriteAllText(Path.Combine(directory, "Dockerfile"), Dockerfile);
        File.WriteAllText(Path.Combine(directory, "README.md"), Readme(manifest, featurizer));
    }

    private const string ServeSh = """
        #!/bin/sh
        # Serve this package's model. Needs only the ASP.NET Core runtime (see manifest.json "runtime").
        # Extra arguments go to `mlops deploy serve`, e.g. ./serve.sh --port 8080 --token "$MLOPS_SERVE_TOKEN"
        set -e
        here="$(cd "$(dirname "$0")" && pwd)"
        exec dotnet "$here/app/mlops.dll" deploy serve --package "$here" "$@"

        """;

    private const string ServeCmd = """
        @echo off
        rem Serve this package's model. Needs only the ASP.NET Core runtime (see manifest.json "runtime").
        dotnet "%~dp0app\mlops.dll" deploy serve --package "%~dp0." %*

        """;

    // 0.0.0.0 only inside the container: the container's own interface is what `docker run -p` publishes.
    private static readonly string Dockerfile = $"""
        # Built from a package written by `mlops deploy package`; the image needs nothing but the ASP.NET Core runtime.
        FROM mcr.microsoft.com/dotnet/aspnet:10.0
        WORKDIR /package
        COPY . /package
        EXPOSE {ContainerPort}
        CMD ["dotnet", "/package/app/mlops.dll", "deploy", "serve", "--package", "/package", "--host", "0.0.0.0", "--port", "{ContainerPort}"]

        """;

    /// <summary>A one-row request in MLflow's dataframe_split format, with each number feature's training fill value and each category's first known value.</summary>
    public static string SampleBody(IReadOnlyList<SchemaColumn> signature, FittedFeaturizer featurizer)
    {
        var row = signature.Select(column => featurizer.Features.FirstOrDefault(f => f.Column == column.Name) switch
        {
            { Kind: "category", Categories.Count: > 0 } f => (object)f.Categories[0],
            { Kind: "number" } f => f.Fill,
            _ => column.Type == "number" ? 0.0 : "text",
        }).ToArray();
        return JsonSerializer.Serialize(new { dataframe_split = new { columns = signature.Select(c => c.Name), data = new[] { row } } });
    }

    private static string Readme(PackageManifest m, FittedFeaturizer featurizer)
    {
        var body = SampleBody(m.Signature, featurizer);
        var metrics = string.Join(", ", m.Metrics.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key} {x.Value.ToString("0.####", CultureInfo.InvariantCulture)}"));
        var inputs = new StringBuilder();
        foreach (var c in m.Signature)
            inputs.AppendLine($"| `{c.Name}` | {c.Type} |");
        var onnx = m.Onnx.Exported
            ? $"`model/model.onnx` is the same model in ONNX (input `Features`: a float vector of {featurizer.SlotNames.Count} slots, produced from the raw columns by `model/featurizer.json`). " +
              $"On {m.Onnx.RowsChecked} held-out rows its outputs matched ML.NET's within {m.Onnx.Tolerance.ToString("G", CultureInfo.InvariantCulture)} " +
              $"(largest difference {m.Onnx.MaxDifference?.ToString("G3", CultureInfo.InvariantCulture)}, same labels), checked with ONNX Runtime {m.Onnx.OnnxRuntimeVersion}. The server in app/ scores with ML.NET and carries no ONNX Runtime."
            : $"No ONNX export: {m.Onnx.Reason}";
        return $"""
            # {m.Model} v{m.Version} ({m.Stage}, {m.Task})

            A self-contained model package written by `mlops deploy package` ({m.Tool.Name} {m.Tool.Version}) on {m.CreatedAt:yyyy-MM-dd HH:mm} UTC.
            It needs no MlOps store: only the .NET runtime ({string.Join(", ", m.Runtime.Frameworks)}).

            Trainer {m.Trainer}, run `{m.Run}` of experiment `{m.Experiment}`. Metrics: {metrics}.

            ## Run

            ```sh
            ./serve.sh --port 5000           # Linux/macOS; serve.cmd on Windows
            # or: {m.Runtime.EntryPoint} --port 5000
            ```

            The server listens on 127.0.0.1 unless `--host` says otherwise; `--token <t>` (or `$MLOPS_SERVE_TOKEN`) requires
            `Authorization: Bearer <t>` on every route but /health. At start it verifies every file against manifest.json and
            refuses to serve a changed one.

            ### Docker

            ```sh
            docker build -t {m.Model.ToLowerInvariant()}:{m.Version} .
            docker run --rm -p {ContainerPort}:{ContainerPort} {m.Model.ToLowerInvariant()}:{m.Version}
            ```

            The image is `mcr.microsoft.com/dotnet/aspnet:10.0` plus this folder; the server binds 0.0.0.0:{ContainerPort} inside
            the container only. (The package was tested by running the folder; the Docker build was not run where it was written.)

            ## Routes

            - `POST /invocations`: MLflow scoring formats (`dataframe_split`, `dataframe_records`, `instances`, `inputs`), answers `{"{"}"predictions": [...]{"}"}`
            - `GET /health`: `ok` once the model is loaded
            - `GET /version`: model, version, stage, task, run, artifact SHA-256, signature

            Inputs (`model/signature.json`):

            | column | type |
            | --- | --- |
            {inputs.ToString().TrimEnd()}

            Sample request:

            ```sh
            curl -s -X POST http://127.0.0.1:5000/invocations -H 'Content-Type: application/json' -d '{body}'
            ```

            ## Files

            - `model/model.zip`: the ML.NET model; `model/featurizer.json`: the fitted featurizer that turns raw rows into its features
            - `model/signature.json`: the raw input columns; `manifest.json`: model, version, stage, task, run, metrics, params,
              lineage (data fingerprint, featurizer code hash, registered artifact), tool version, runtime, ONNX check, and the
              SHA-256 of every other file
            - `app/`: the mlops server (`dotnet app/mlops.dll deploy serve --package <this folder>`)
            - `serve.sh`, `serve.cmd`, `Dockerfile`, this README

            {onnx}

            ## Verify

            ```sh
            sha256sum -c SHA256SUMS          # every file, manifest.json included
            sha256sum SHA256SUMS             # compare with the SHA256SUMS hash `mlops deploy package` printed
            ```

            Serving checks the same hashes at start; a changed file is refused before the model loads.

            """;
    }
}
