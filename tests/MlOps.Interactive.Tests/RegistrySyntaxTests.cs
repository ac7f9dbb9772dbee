using System.CommandLine;
using MlOps.Cli.Commands;

namespace MlOps.Interactive.Tests;

/// <summary>Every registry directive is the twin of a CLI verb: same name, same options (less --json, plus --var).</summary>
public sealed class RegistrySyntaxTests
{
    internal static IEnumerable<string> OptionsOf(Command verb, Command? parent = null) =>
        verb.Options.Concat(parent?.Options ?? []).Select(o => o.Name).Where(n => n != "--json" && !n.StartsWith("-h") && n != "--help" && n != "-?");

    internal static void AssertTwins(Command verb, SubcommandSpec spec, Command? parent = null)
    {
        Assert.Equal(OptionsOf(verb, parent).Order(), spec.AllOptions.Where(o => !o.Positional && o.Name != "--var").Select(o => o.Name).Order());
        Assert.Equal(verb.Arguments.Count, spec.Options.Count(o => o.Positional));
        Assert.Equal(verb.Options.Where(o => o.Required).Select(o => o.Name).Order(), spec.Options.Where(o => o.Required && !o.Positional).Select(o => o.Name).Order());
    }

    [Fact]
    public void Every_registry_verb_of_mlops_has_a_directive_with_the_same_options()
    {
        var (o, e) = (TextWriter.Null, TextWriter.Null);
        AssertTwins(RegisterCommand.Build(o, e), RegistrySyntax.Register);
        AssertTwins(PromoteCommand.Build(o, e), RegistrySyntax.Promote);
        AssertTwins(PromoteCommand.BuildRollback(o, e), RegistrySyntax.Rollback);
        AssertTwins(GateCommand.Build(o, e), RegistrySyntax.Gate);
        Assert.All(RegistrySyntax.Verbs, s => Assert.Equal("#!" + s.Name, s.Directive));

        var models = ModelsCommand.Build(o, e);
        Assert.Equal(models.Subcommands.Select(c => c.Name).Order(), RegistrySyntax.ModelsSubcommands.Select(s => s.Name).Order());
        foreach (var verb in models.Subcommands)
            AssertTwins(verb, RegistrySyntax.ModelsSubcommands.Single(s => s.Name == verb.Name), models);
    }

    [Fact]
    public void A_verb_line_reads_without_a_subcommand_and_repeats_gates()
    {
        var args = DirectiveLine.Parse("#!promote --model RFClass-cwurData --version 2 --stage Production --reason \"better auc\" --gate \"auc >= 0.95\" --gate \"f1 >= 0.5\" --keep-previous");

        Assert.Same(RegistrySyntax.Promote, args.Subcommand);
        Assert.Equal(2, args.Int("--version"));
        Assert.Equal(["auc >= 0.95", "f1 >= 0.5"], args.All("--gate"));
        Assert.True(args.Flag("--keep-previous"));
        Assert.Equal("m", DirectiveLine.Parse("#!models show m").One("--name"));
    }

    [Theory]
    [InlineData("#!promote --model m --stage Production --reason x", "#!promote: missing required option --version")]
    [InlineData("#!promote --model m --version two --stage Production --reason x", "--version takes an integer, not 'two'")]
    [InlineData("#!models", "#!models needs a subcommand")]
    [InlineData("#!models walk", "Unknown subcommand 'walk'. Write #!models <list|show|alias|unalias|lineage|trained-on>")]
    [InlineData("#!register --model m --modle x", "#!register has no option '--modle' (did you mean --model?)")]
    [InlineData("#!rollback m", "#!rollback takes no value without an option name")]
    public void Bad_registry_lines_give_one_clear_message(string line, string expected)
    {
        var error = Assert.Throws<MlOpsException>(() => DirectiveLine.Parse(line));

        Assert.Contains(expected, error.Message);
    }
}
