using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Directives;

namespace MlOps.Notebooks.Tests;

/// <summary>
/// The minimal KernelActionDirective example for 1.0.0-beta.26120.1: `#!hello --name x [--shout]` on the
/// C# kernel displays HTML and leaves a `greeting` variable for the next cell.
/// </summary>
public sealed class HelloExtension : IKernelExtension
{
    public static readonly string[] KnownNames = ["world", "team"];

    public Task OnLoadAsync(Kernel kernel)
    {
        // dotnet-interactive passes the root CompositeKernel; the directive belongs on its C# child.
        var csharp = kernel as CSharpKernel
            ?? kernel.FindKernelByName("csharp") as CSharpKernel
            ?? throw new InvalidOperationException("The #!hello extension needs a C# kernel named 'csharp'.");

        var directive = new KernelActionDirective("#!hello", "Greets someone in HTML")
        {
            Parameters =
            {
                new KernelDirectiveParameter("--name", "Who to greet") { Required = true, AllowImplicitName = true }
                    .AddCompletions(() => KnownNames),
                new KernelDirectiveParameter("--shout", "Upper-case the greeting") { Flag = true },
            },
        };

        csharp.AddDirective<HelloCommand>(directive, async (command, context) =>
        {
            var text = $"Hello, {command.Name}!";
            if (command.Shout)
            {
                text = text.ToUpperInvariant();
            }

            context.DisplayAs($"<p class=\"hello\">{System.Net.WebUtility.HtmlEncode(text)}</p>", "text/html");
            // A named variable in the C# script state: the next cell can use `greeting`.
            await csharp.SetValueAsync("greeting", text, typeof(string));
        });

        return Task.CompletedTask;
    }
}
