using MlOps.Cli;

// `mlops`: the command-line twin of the notebook magic commands. Parse, call the engine, render.
return CliApp.Run(args, Console.Out, Console.Error);
