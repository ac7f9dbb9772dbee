using Microsoft.DotNet.Interactive;

namespace MlOps.Notebooks;

/// <summary>Options of one headless run. Everything is optional.</summary>
public sealed class NotebookRunOptions
{
    /// <summary>Where to write the executed notebook (.ipynb). Default: <see cref="NotebookRunner.DefaultOutputPath"/>.</summary>
    public string? OutputPath { get; init; }

    /// <summary>
    /// Papermill-style overrides, injected as C# assignments in a new cell after the cell tagged
    /// `parameters`. Values are typed from their text: integers, decimals, true/false, else strings.
    /// </summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Extension instances to load before the first cell; OnLoadAsync gets the CompositeKernel, as in the real tool.</summary>
    public IReadOnlyList<IKernelExtension> Extensions { get; init; } = [];

    /// <summary>
    /// Extension assemblies (e.g. a package's interactive-extensions/dotnet/*.dll): every public
    /// IKernelExtension type in them is instantiated and loaded like <see cref="Extensions"/>.
    /// </summary>
    public IReadOnlyList<string> ExtensionAssemblies { get; init; } = [];

    /// <summary>
    /// NuGet package ids whose extensions are loaded through <see cref="Extensions"/> or <see cref="ExtensionAssemblies"/>:
    /// a cell's `#r "nuget: Id..."` for them (and every `#i "nuget:..."` source line) counts as already done.
    /// </summary>
    public IReadOnlyList<string> PreloadedPackages { get; init; } = [];

    /// <summary>Called when each code cell starts and ends.</summary>
    public IProgress<CellProgress>? Progress { get; init; }

    /// <summary>
    /// Directory cells see as the current directory (relative paths in a notebook are relative to it,
    /// as in Jupyter). Default: the notebook's directory.
    /// </summary>
    public string? WorkingDirectory { get; init; }
}
