using Microsoft.DotNet.Interactive.Commands;

namespace MlOps.Notebooks.Tests;

/// <summary>
/// The command a `#!hello` line binds to. The parser turns `--name x` into JSON {"name": "x"} (posix
/// name to camelCase) and deserializes it into this type, so the property name must match.
/// </summary>
public sealed class HelloCommand : KernelDirectiveCommand
{
    public string? Name { get; set; }

    public bool Shout { get; set; }
}
