using System.Collections;
using System.Globalization;
using MlOps.Registry;

namespace MlOps.Serving;

/// <summary>
/// One logged prediction: what a model version was asked and what it answered, for monitoring. <see cref="Source"/>
/// says which path produced it: "serve" (HTTP), "shadow" (a challenger scored beside Production, never answered),
/// "batch" or "notebook". Inputs hold the raw cells as sent (double, string, bool or null).
/// </summary>
public sealed record LoggedPrediction(
    string Model,
    int Version,
    DateTime Timestamp,
    string Source,
    IReadOnlyDictionary<string, object?> Inputs,
    string Label,
    double? Score = null,
    double? Probability = null);

/// <summary>Where logged predictions are kept: the project's store (LiteDB file by default).</summary>
public interface IPredictionLogStore
{
    /// <summary>Append one batch in a single transaction: either all records are stored or none.</summary>
    void AppendPredictions(IReadOnlyList<LoggedPrediction> batch);

    /// <summary>Stream a model's logged predictions, oldest first, optionally one version, source and time window [from, to).</summary>
    IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null);

    long CountPredictions(string model, int? version = null, string? source = null);
}

/// <summary>
/// The request path's side of the prediction log: <see cref="Log"/> must return at once (no I/O); an implementation
/// queues and writes in the background. Implemented by PredictionLogger.
/// </summary>
public interface IPredictionSink
{
    void Log(ModelVersion version, ScoringInput input, IReadOnlyList<Prediction> predictions, string source);
}

/// <summary>
/// One request's logged rows, as <see cref="PredictionLogger"/> queues them: row <c>Rows[i]</c> of <see cref="Input"/>,
/// answered with prediction <c>Predictions[Rows[i]]</c>, all at <see cref="Timestamp"/>. <see cref="Records"/> gives
/// the same as <see cref="LoggedPrediction"/>s.
/// </summary>
public sealed record LoggedRequest(
    string Model,
    int Version,
    DateTime Timestamp,
    string Source,
    ScoringInput Input,
    IReadOnlyList<Prediction> Predictions,
    IReadOnlyList<int> Rows)
{
    /// <summary>The rows as records, their inputs keyed by column name (sharing the row arrays, not copying them).</summary>
    public IEnumerable<LoggedPrediction> Records()
    {
        var index = new Dictionary<string, int>(Input.Columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < Input.Columns.Count; i++)
            index.TryAdd(Input.Columns[i], i);
        foreach (var row in Rows)
        {
            var p = Predictions[row];
            yield return new LoggedPrediction(Model, Version, Timestamp, Source, new RowInputs(Input.Columns, index, Input.Rows[row]), LabelText(p.Label), p.Score, p.Probability);
        }
    }

    /// <summary>How a prediction's label is logged: "true"/"false", a number invariantly, or the class.</summary>
    public static string LabelText(object label) => label switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => label.ToString() ?? "",
    };

    /// <summary>One row's cells keyed by column name, without copying them: the row array and a name index shared by the request.</summary>
    private sealed class RowInputs(IReadOnlyList<string> columns, Dictionary<string, int> index, object?[] row) : IReadOnlyDictionary<string, object?>
    {
        public object? this[string key] => row[index[key]];

        public IEnumerable<string> Keys => columns;

        public IEnumerable<object?> Values => row;

        public int Count => columns.Count;

        public bool ContainsKey(string key) => index.ContainsKey(key);

        public bool TryGetValue(string key, out object? value)
        {
            var found = index.TryGetValue(key, out var at);
            value = found ? row[at] : null;
            return found;
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < columns.Count; i++)
                yield return KeyValuePair.Create(columns[i], row[i]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

/// <summary>
/// A prediction log store that also takes whole requests (<see cref="LoggedRequest"/>), so that a busy server's log
/// costs no <see cref="LoggedPrediction"/> and no boxed cell per row. <see cref="PredictionLogger"/> uses it when its
/// store has it; what is stored must be the same as from the records of <see cref="LoggedRequest.Records"/>.
/// </summary>
public interface IPredictionRequestStore : IPredictionLogStore
{
    /// <summary>Append one batch in a single transaction: either all its rows are stored or none. The list is the caller's again once this returns.</summary>
    void AppendRequests(IReadOnlyList<LoggedRequest> batch);
}

/// <summary>
/// Rows whose cells can be read without boxing them (the server's typed rows implement it on their
/// <see cref="ScoringInput.Rows"/>): column by column in <see cref="ScoringInput.Columns"/>' order, numbers (NaN =
/// missing, logged as null) or text (null = missing), indexed by row.
/// </summary>
public interface ITypedRows
{
    /// <summary>Column <paramref name="column"/>'s values when it holds numbers, else null.</summary>
    double[]? Numbers(int column);

    /// <summary>Column <paramref name="column"/>'s values when it holds text, else null.</summary>
    string?[]? Texts(int column);
}

/// <summary>
/// A store that packs logged rows into what it stores on the logging thread itself (<see cref="NewPacker"/>), so
/// that a busy server's log keeps no request alive until its write (those requests outlived young collections and
/// made them full ones) and the writer thread only stores finished packs. <see cref="PredictionLogger"/> uses it
/// when its store has it; what is stored must be the same as from <see cref="IPredictionRequestStore.AppendRequests"/>.
/// </summary>
public interface IPredictionPackStore : IPredictionLogStore
{
    /// <summary>An empty packer, for one thread at a time.</summary>
    IPredictionPacker NewPacker();

    /// <summary>Store finished packs in a single transaction: either all their rows are stored or none.</summary>
    void AppendPacks(IReadOnlyList<PredictionPack> packs);
}

/// <summary>Packs a store's records as requests are logged; not thread-safe.</summary>
public interface IPredictionPacker
{
    /// <summary>Rows in the open pack.</summary>
    int Rows { get; }

    /// <summary>
    /// Pack rows <c>Rows[from..]</c> of <paramref name="request"/>: how many were taken. Fewer than all when the pack
    /// is full, and none when the request does not belong in it (another model, version, source or column set, or an
    /// earlier time): <see cref="Seal"/> it and add the rest. An empty packer takes at least one row.
    /// </summary>
    int Add(LoggedRequest request, int from);

    /// <summary>The open pack, finished; the packer is empty again.</summary>
    PredictionPack Seal();
}

/// <summary>Records packed by an <see cref="IPredictionPacker"/>, for its store's <see cref="IPredictionPackStore.AppendPacks"/>.</summary>
public abstract class PredictionPack
{
    public abstract int Rows { get; }
}
