using Microsoft.DotNet.Interactive.Commands;

namespace MlOps.Interactive.Commands;

/// <summary>
/// A group directive (#!experiment, #!models, #!catalog) written without a known subcommand. Without a handler of its
/// own the kernel fails such a line with a NoSuitableKernelException stack trace; this one reports the usage instead.
/// </summary>
public abstract class DirectiveUsageCommand : KernelDirectiveCommand
{
    internal abstract string Directive { get; }
}

/// <summary>`#!experiment` or `#!experiment frob`.</summary>
public sealed class ExperimentUsageCommand : DirectiveUsageCommand
{
    internal override string Directive => ExperimentSyntax.Directive;
}

/// <summary>`#!models` or `#!models frob`.</summary>
public sealed class ModelsUsageCommand : DirectiveUsageCommand
{
    internal override string Directive => RegistrySyntax.Models;
}

/// <summary>`#!catalog` or `#!catalog frob`.</summary>
public sealed class CatalogUsageCommand : DirectiveUsageCommand
{
    internal override string Directive => CatalogSyntax.Directive;
}
