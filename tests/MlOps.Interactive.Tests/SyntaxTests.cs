using MlOps.Cli.Commands;

namespace MlOps.Interactive.Tests;

/// <summary>The directive takes the CLI's subcommands and options, and reads its own line as the CLI would.</summary>
public sealed class SyntaxTests
{
    [Fact]
    public void Every_subcommand_and_option_of_mlops_experiment_exists_in_the_directive()
    {
        var cli = ExperimentCommand.Build(TextWriter.Null, TextWriter.Null);
        Assert.Equal(cli.Subcommands.Select(c => c.Name).Order(), ExperimentSyntax.Subcommands.Select(s => s.Name).Order());
        foreach (var verb in cli.Subcommands)
        {
            var spec = ExperimentSyntax.Subcommands.Single(s => s.Name == verb.Name);
            var cliOptions = verb.Options.Select(o => o.Name).Concat(cli.Options.Select(o => o.Name)).Where(n => n != "--json" && !n.StartsWith("-h") && n != "--help" && n != "-?");
            var directiveOptions = spec.AllOptions.Where(o => !o.Positional).Select(o => o.Name);
            // --var is the notebook's own (the result goes to a variable, not to stdout as --json).
            Assert.Equal(cliOptions.Order(), directiveOptions.Where(n => n != "--var").Order());
            Assert.Equal(verb.Arguments.Count, spec.Options.Count(o => o.Positional));
        }
    }

    [Fact]
    public void A_line_reads_quoted_values_repeated_sets_and_flags()
    {
        var args = DirectiveLine.Parse("#!experiment run --name uc1 --label \"world_rank < 50\" --set a=1 --set \"b=2,3\" --force --seed 7");

        Assert.Equal("run", args.Subcommand.Name);
        Assert.Equal("world_rank < 50", args.One("--label"));
        Assert.Equal(["a=1", "b=2,3"], args.All("--set"));
        Assert.True(args.Flag("--force"));
        Assert.Equal(7, args.Int("--seed"));
    }

    [Fact]
    public void Positional_values_bind_to_the_subcommands_argument()
    {
        var args = DirectiveLine.Parse("#!experiment compare abcd1234 efgh5678 --all");

        Assert.Equal(["abcd1234", "efgh5678"], args.All("--runs"));
        Assert.True(args.Flag("--all"));
    }

    [Theory]
    [InlineData("#!experiment", "needs a subcommand")]
    [InlineData("#!experiment walk", "Unknown subcommand 'walk'")]
    [InlineData("#!experiment run --name a --name b", "--name is given twice")]
    [InlineData("#!experiment run --name a --label \"x", "A quote is not closed")]
    [InlineData("#!experiment show", "missing required option --run")]
    [InlineData("#!experiment list stray", "takes no value without an option name")]
    [InlineData("#!experiment run --name a --test-fraction lots", "--test-fraction takes a number")]
    public void Bad_lines_give_one_clear_message(string line, string expected)
    {
        var error = Assert.Throws<MlOpsException>(() => DirectiveLine.Parse(line));

        Assert.Contains(expected, error.Message);
    }
}
