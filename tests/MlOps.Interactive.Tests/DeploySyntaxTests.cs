using MlOps.Cli.Commands;
using static MlOps.Interactive.Tests.RegistrySyntaxTests;

namespace MlOps.Interactive.Tests;

/// <summary>#!deploy is the twin of `mlops deploy`: the same subcommands with the same options (less --json, plus --var).</summary>
public sealed class DeploySyntaxTests
{
    [Fact]
    public void Every_deploy_subcommand_of_mlops_has_a_directive_twin_with_the_same_options()
    {
        var deploy = DeployCommand.Build(TextWriter.Null, TextWriter.Null);

        Assert.Equal(deploy.Subcommands.Select(c => c.Name).Order(), DeploySyntax.All.Select(s => s.Name).Order());
        foreach (var verb in deploy.Subcommands)
            AssertTwins(verb, DeploySyntax.All.Single(s => s.Name == verb.Name), deploy);
    }

    [Fact]
    public void A_deploy_line_without_a_subcommand_is_serve()
    {
        var args = DirectiveLine.Parse("#!deploy --model RFClass-cwurData --alias champion --port 0");

        Assert.Same(DeploySyntax.Serve, args.Subcommand);
        Assert.Equal("champion", args.One("--alias"));
        Assert.Same(DeploySyntax.List, DirectiveLine.Parse("#!deploy list --all").Subcommand);
    }
}
