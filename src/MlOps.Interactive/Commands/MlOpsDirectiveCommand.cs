using System.Text;
using Microsoft.DotNet.Interactive.Commands;

namespace MlOps.Interactive.Commands;

/// <summary>
/// Base of the typed directive commands (#!experiment ..., #!register, #!promote, #!models ...). The kernel's parser fills the properties from the directive line
/// (option --split-by binds to SplitBy); a client may also send the command itself as JSON.
/// </summary>
public abstract class MlOpsDirectiveCommand : KernelDirectiveCommand
{
    public string? Store { get; set; }

    public string? Var { get; set; }

    internal abstract SubcommandSpec Spec { get; }

    /// <summary>
    /// The arguments of this command: re-read from its submitted line (the kernel's parser loses repeated options),
    /// or from the properties when a client sent the command itself.
    /// </summary>
    internal DirectiveArguments ReadArguments()
    {
        var args = DirectiveLine.For(this, Spec.Directive) ?? ToArguments();
        return args.Subcommand == Spec ? args : ToArguments();
    }

    /// <summary>The arguments from the properties: used when the command did not come from a submitted line.</summary>
    internal DirectiveArguments ToArguments()
    {
        var values = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var property in GetType().GetProperties())
        {
            var option = Spec.Find(OptionName(property.Name));
            if (option is null)
                continue;
            switch (property.GetValue(this))
            {
                case string text:
                    values[option.Name] = option.Repeatable ? text.Split(option.Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [text];
                    break;
                case true:
                    values[option.Name] = ["true"];
                    break;
            }
        }

        foreach (var required in Spec.Options.Where(o => o.Required && !values.ContainsKey(o.Name)))
            throw new MlOpsException($"{Spec.Usage}: missing required option {required.Name} ({required.Description})");
        return new DirectiveArguments(Spec, values);
    }

    private static string OptionName(string property)
    {
        var name = new StringBuilder("--");
        foreach (var c in property)
        {
            if (char.IsUpper(c) && name.Length > 2)
                name.Append('-');
            name.Append(char.ToLowerInvariant(c));
        }

        return name.ToString();
    }
}

/// <summary>Base of the typed #!experiment commands.</summary>
public abstract class ExperimentDirectiveCommand : MlOpsDirectiveCommand;
