using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MlOps.Data;
using MlOps.Hashing;
using MlOps.Tracking;
using MlOps.Training;
using nietras.SeparatedValues;

namespace MlOps.Serving;

public sealed record BatchScoringOptions
{
    public required string Input { get; init; }

    public required string Output { get; init; }

    /// <summary>Rows that fail validation: their original cells plus line and reason. Default: <c>&lt;output&gt;.rejects.csv</c>.</summary>
    public string? Rejects { get; init; }

    /// <summary>
    /// Input columns copied to each output row to identify it. Default: every input column that is not a model
    /// input, in file order (for cwurData: world_rank, institution, ..., year).
    /// </summary>
    public IReadOnlyList<string>? Keys { get; init; }

    /// <summary>Rows read, validated and scored at a time: memory is bounded by this, not by the file.</summary>
    public int ChunkRows { get; init; } = 8192;

    /// <summary>Rows read so far, after each chunk.</summary>
    public Action<long>? Progress { get; init; }

    /// <summary>Where scored rows are logged (source "batch"); the sink samples and queues, it never slows the run much.</summary>
    public IPredictionSink? Sink { get; init; }

    public string RejectsPath => Rejects ?? Output + ".rejects.csv";
}

/// <param name="Rows">Input data rows read (blank lines not counted).</param>
/// <param name="Metrics">Evaluation metrics when the input had the label's columns (names as in training runs), else empty.</param>
/// <param name="Evaluation">Why there are no metrics, when there are none.</param>
public sealed record BatchScoringResult(
    long Rows, long Scored, long Rejected, double Seconds, string Output, string Rejects,
    IReadOnlyDictionary<string, double> Metrics, string? Evaluation, string? RunId = null)
{
    public double RowsPerSecond => Seconds > 0 ? Rows / Seconds : 0;
}

/// <summary>
/// Scores a CSV file into a CSV file with one model version, streaming: rows are read with Sep and scored a chunk
/// at a time, so a file larger than memory works. Each row is validated by the same check as HTTP requests
/// (<see cref="ModelScorer.ReadRow"/>); a bad row goes to the rejects file with its line and reason and the run goes on.
/// A header without a signature column fails before anything is written. Outputs are written to temporary files
/// and renamed into place only on success, so a failed run leaves no half-written output.
/// </summary>
public static class BatchScorer
{
    /// <summary>
    /// <see cref="ScoreTracked(IRunStore, ModelScorer, BatchScoringOptions, TimeProvider?)"/>, also logging a share of the
    /// scored rows (0..1) to the store's prediction log with source "batch". The log is drained before this returns, so
    /// its counters are final; it is null when <paramref name="logSampleRate"/> is 0.
    /// </summary>
    public static (BatchScoringResult Result, PredictionLogger? Log) ScoreTracked(IRunStore store, ModelScorer scorer, BatchScoringOptions options, double logSampleRate)
    {
        if (logSampleRate <= 0)
            return (ScoreTracked(store, scorer, options), null);
        var logStore = store as IPredictionLogStore
            ?? throw new MlOpsException($"The store {store.Location} cannot hold a prediction log. Drop --log-sample-rate, or open the store with --store (a folder or a postgres:// URL).");
        var log = new PredictionLogger(logStore, new PredictionLoggerOptions { SampleRate = logSampleRate });
        try
        {
            return (ScoreTracked(store, scorer, options with { Sink = log }), log);
        }
        finally
        {
            // Everything sampled is written before the caller closes the store.
            log.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Score and record the scoring as a run of experiment <c>&lt;model&gt;.scoring</c> (failed runs are stored as failed).</summary>
    public static BatchScoringResult ScoreTracked(IRunStore store, ModelScorer scorer, BatchScoringOptions options, TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        var version = scorer.Version;
        var run = ScoringRuns.Started(version, "batch", new Dictionary<string, string>
        {
            ["input"] = Path.GetFullPath(options.Input),
            ["output"] = Path.GetFullPath(options.Output),
            ["rejects"] = Path.GetFullPath(options.RejectsPath),
        }, clock.GetUtcNow()) with { Signature = scorer.Signature };
        store.SaveRun(run);
        try
        {
            // The fingerprint says which bytes were scored, as a training run's data hash does.
            var sha = File.Exists(options.Input) ? ContentHash.OfFile(options.Input).Hex : "";
            run = run with { Params = new Dictionary<string, string>(run.Params) { ["input.sha256"] = sha } };
            var result = Score(scorer, options);
            var metrics = new Dictionary<string, double>(result.Metrics)
            {
                ["rows"] = result.Rows,
                ["scored"] = result.Scored,
                ["rejected"] = result.Rejected,
                ["seconds"] = result.Seconds,
                ["rows_per_second"] = result.RowsPerSecond,
            };
            run = run with
            {
                Status = RunStatus.Finished, EndedAt = clock.GetUtcNow(), Metrics = metrics,
                Data = new DataFingerprint(sha, (int)Math.Min(int.MaxValue, result.Rows), scorer.Signature),
            };
            store.SaveRun(run);
            return result with { RunId = run.Id };
        }
        catch (Exception e)
        {
            var message = e is MlOpsException ? e.Message : $"Batch scoring failed: {e.GetType().Name}: {e.Message}";
            store.SaveRun(run with { Status = RunStatus.Failed, EndedAt = clock.GetUtcNow(), Error = message });
            throw;
        }
    }

    public static BatchScoringResult Score(ModelScorer scorer, BatchScoringOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChunkRows < 1)
            throw new MlOpsException($"The chunk size must be at least 1 row, not {options.ChunkRows}.");
        if (!File.Exists(options.Input))
            throw new MlOpsException($"Input file '{options.Input}' does not exist (working directory: {Environment.CurrentDirectory}). Point --input at a CSV file with a header line.");
        var watch = Stopwatch.StartNew();
        var output = Path.GetFullPath(options.Output);
        var rejects = Path.GetFullPath(options.RejectsPath);
        if (output == Path.GetFullPath(options.Input) || rejects == Path.GetFullPath(options.Input))
            throw new MlOpsException($"The output '{options.Output}' would overwrite the input. Write the scores to another file.");
        var outputTemp = TempBeside(output);
        var rejectsTemp = TempBeside(rejects);
        try
        {
            BatchScoringResult result;
            using (var job = new Job(scorer, options, outputTemp, rejectsTemp))
                result = job.Run(cancellation);
            File.Move(outputTemp, output, overwrite: true);
            File.Move(rejectsTemp, rejects, overwrite: true);
            return result with { Seconds = watch.Elapsed.TotalSeconds, Output = output, Rejects = rejects };
        }
        finally
        {
            File.Delete(outputTemp);
            File.Delete(rejectsTemp);
        }
    }

    private static string TempBeside(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
            throw new MlOpsException($"The folder of '{path}' does not exist. Create it first or write elsewhere.");
        return Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>One scoring pass: the open files and the chunk being filled.</summary>
    private sealed class Job : IDisposable
    {
        private readonly ModelScorer _scorer;
        private readonly BatchScoringOptions _options;
        private readonly SepReader _reader;
        private readonly StreamWriter _output;
        private readonly StreamWriter _rejects;
        private readonly string _fileName;
        private readonly MlTask _task;
        private BatchEvaluation? _evaluation;
        private string? _evaluationNote;

        private List<string> _header = [];
        private int[] _binding = [];
        private int[] _keys = [];
        private int[] _labelColumns = [];
        private string[]? _classes;
        private readonly object?[] _noCells = [];

        public Job(ModelScorer scorer, BatchScoringOptions options, string outputTemp, string rejectsTemp)
        {
            _scorer = scorer;
            _options = options;
            _fileName = Path.GetFileName(options.Input);
            _task = scorer.Task;
            // Unescaped by TableLoader.Cell (it repairs broken quoting as loading for training does); raw cells are kept for the rejects file.
            _reader = Sep.Reader(o => o with { HasHeader = false, Unescape = false, DisableColCountCheck = true, DisableQuotesParsing = false }).FromFile(options.Input);
            _output = new StreamWriter(outputTemp, false, new UTF8Encoding(false), 1 << 16);
            _rejects = new StreamWriter(rejectsTemp, false, new UTF8Encoding(false), 1 << 16);
        }

        /// <summary>A chunk's validated rows and, per row, its key cells as written in the input ("k1,k2,") in one buffer.</summary>
        private sealed class Chunk(SignatureRows rows)
        {
            public SignatureRows Rows { get; } = rows;

            public StringBuilder Keys { get; } = new();

            public List<int> KeyEnds { get; } = [];
        }

        // Reading and validating (this thread) overlap with scoring and writing (one consumer task); at most this many
        // chunks wait between them, so memory stays a few chunks whatever the file's size.
        private const int ChunksInFlight = 2;

        public BatchScoringResult Run(CancellationToken cancellation)
        {
            long rows = 0, scored = 0, rejected = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            using var queue = new BlockingCollection<Chunk>(ChunksInFlight);
            var consumer = Task.Run(() =>
            {
                try
                {
                    foreach (var full in queue.GetConsumingEnumerable(stop.Token))
                        scored += Flush(full);
                }
                catch
                {
                    stop.Cancel(); // the reader stops at its next chunk
                    throw;
                }
            });
            try
            {
                Chunk? chunk = null;
                object?[] cells = [];
                foreach (var row in _reader)
                {
                    if (_header.Count == 0)
                    {
                        Start(row);
                        cells = new object?[_header.Count];
                        continue;
                    }
                    if (row.ColCount == 1 && row.Span.Trim().IsEmpty)
                        continue; // blank lines are skipped, as when loading for training
                    rows++;
                    chunk ??= new Chunk(new SignatureRows(_scorer.Signature, _options.ChunkRows, _labelColumns.Select(i => _header[i]).ToList()));
                    var count = row.ColCount;
                    for (var c = 0; c < _binding.Length; c++)
                        if (_binding[c] < count)
                            cells[_binding[c]] = CellValue(row[_binding[c]].Span);
                    // The label cells ride along with the row ReadRow commits (a rejected row's are simply overwritten).
                    for (var e = 0; e < _labelColumns.Length; e++)
                        chunk.Rows.ExtraScratch[e] = _labelColumns[e] < count ? TableLoader.Cell(row[_labelColumns[e]].Span, out _) : null;
                    var rejection = _scorer.ReadRow(count == _header.Count ? cells : _noCells, count, _header.Count, _binding, chunk.Rows, row.LineNumberFrom, "line");
                    if (rejection is not null)
                    {
                        rejected++;
                        Reject(row, rejection.Reason);
                        continue;
                    }
                    foreach (var k in _keys)
                        chunk.Keys.Append(row[k].Span).Append(',');
                    chunk.KeyEnds.Add(chunk.Keys.Length);
                    if (chunk.Rows.Count == _options.ChunkRows)
                    {
                        queue.Add(chunk, stop.Token);
                        chunk = null;
                        _options.Progress?.Invoke(rows);
                    }
                }
                if (_header.Count == 0)
                    throw new MlOpsException($"Input file '{_fileName}' is empty. Give it a header line and data rows.");
                if (chunk is not null)
                    queue.Add(chunk, stop.Token);
                queue.CompleteAdding();
                consumer.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (consumer.IsFaulted)
            {
                consumer.GetAwaiter().GetResult(); // the scoring side's error is the one to report
            }
            finally
            {
                queue.CompleteAdding();
                stop.Cancel();
                try { consumer.Wait(); } catch (AggregateException) { } // already failing; nothing may write after Run returns
            }
            _options.Progress?.Invoke(rows);
            _output.Flush();
            _rejects.Flush();
            var metrics = _evaluation?.Metrics() ?? new Dictionary<string, double>();
            if (_evaluation is { Rows: 0 })
                _evaluationNote ??= "no scored row had its label";
            return new BatchScoringResult(rows, scored, rejected, 0, "", "", metrics, _evaluation is { Rows: > 0 } ? null : _evaluationNote);
        }

        /// <summary>
        /// A cell for <see cref="ModelScorer.ReadRow"/>: a plain number as a double (what <see cref="MessyNumber"/> would
        /// read it as, without allocating text), anything else as its unquoted text, which ReadRow judges.
        /// </summary>
        private static object? CellValue(ReadOnlySpan<char> raw) =>
            double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !double.IsNaN(number)
                ? number
                : TableLoader.Cell(raw, out _);

        private void Start(SepReader.Row row)
        {
            for (var c = 0; c < row.ColCount; c++)
                _header.Add(TableLoader.Unquote(row[c].ToString()));
            TableLoader.CheckHeader(_header, _fileName);
            try
            {
                _binding = _scorer.Bind(_header);
            }
            catch (ScoringInputException e)
            {
                throw new MlOpsException($"{_fileName} cannot be scored: {e.Message} Its header has: {string.Join(", ", _header)}. " +
                    "Add the column (empty cells count as missing) or score a file that has it.");
            }
            var inputs = _scorer.Signature.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            if (_options.Keys is { } keys)
            {
                foreach (var key in keys.Where(k => !_header.Contains(k)))
                    throw new MlOpsException($"Key column '{key}' is not in {_fileName}. Its header has: {string.Join(", ", _header)}. Fix --key (names are case-sensitive).");
                _keys = keys.Select(k => _header.IndexOf(k)).ToArray();
            }
            else
            {
                _keys = Enumerable.Range(0, _header.Count).Where(i => !inputs.Contains(_header[i])).ToArray();
            }

            var labelColumns = _scorer.Featurizer.LabelColumns(_header);
            if (labelColumns.Count > 0 && labelColumns.All(_header.Contains))
            {
                _labelColumns = labelColumns.Select(l => _header.IndexOf(l)).ToArray();
                _evaluation = new BatchEvaluation(_task);
            }
            else
            {
                _evaluationNote = $"no evaluation: the input lacks the label '{_scorer.Featurizer.Label}'";
            }

            var predictionColumns = PredictionColumns();
            foreach (var clash in predictionColumns.Where(p => _keys.Any(k => _header[k] == p)))
                throw new MlOpsException($"Key column '{clash}' has the name of a prediction column. Rename it in the input or leave it out of --key.");
            WriteLine(_output, _keys.Select(k => Csv(_header[k])).Concat(predictionColumns.Select(Csv)));
            WriteLine(_rejects, _header.Select(Csv).Append("line").Append("reason"));
        }

        /// <summary>
        /// binary: predicted_label, predicted_probability, predicted_score; multiclass: predicted_label and
        /// predicted_score_&lt;class&gt; per class; regression: predicted_value. The prefix keeps them apart from
        /// input columns such as cwurData's own "score".
        /// </summary>
        private List<string> PredictionColumns() => _task switch
        {
            MlTask.Binary => ["predicted_label", "predicted_probability", "predicted_score"],
            MlTask.Regression => ["predicted_value"],
            _ => ["predicted_label", .. (_classes = _scorer.ClassNames.ToArray()).Select(c => "predicted_score_" + c)],
        };

        /// <summary>Score one chunk and write its rows; returns how many were scored.</summary>
        private long Flush(Chunk chunk)
        {
            var rows = chunk.Rows;
            if (rows.Count == 0)
                return 0;
            var (predictions, labels) = _scorer.Score(rows.ToTable(_fileName), withLabels: _evaluation is not null);
            if (_evaluation is not null)
            {
                if (labels is null)
                {
                    _evaluationNote = "no evaluation: the label could not be derived from the input as in training (a binary label that is not a condition, or unreadable label cells)";
                    _evaluation = null;
                }
                else
                {
                    _evaluation.Add(predictions, labels);
                }
            }
            var line = new StringBuilder(256);
            var keyStart = 0;
            for (var r = 0; r < predictions.Count; r++)
            {
                line.Clear();
                var keyEnd = chunk.KeyEnds[r];
                line.Append(chunk.Keys, keyStart, keyEnd - keyStart);
                keyStart = keyEnd;
                AppendPrediction(line, predictions[r]);
                _output.Write(line.Append('\n'));
            }
            _options.Sink?.Log(_scorer.Version, rows.ToScoringInput(), predictions, "batch");
            return predictions.Count;
        }

        private void AppendPrediction(StringBuilder line, Prediction p)
        {
            switch (_task)
            {
                case MlTask.Binary:
                    line.Append((bool)p.Label ? "true" : "false").Append(',');
                    Number(line, p.Probability).Append(',');
                    Number(line, p.Score);
                    break;
                case MlTask.Regression:
                    Number(line, p.Score);
                    break;
                default:
                    line.Append(Csv(Convert.ToString(p.Label, CultureInfo.InvariantCulture) ?? ""));
                    foreach (var name in _classes!)
                        Number(line.Append(','), p.Scores is { } s && s.TryGetValue(name, out var v) ? v : null);
                    break;
            }
        }

        /// <summary>A number as the float ML.NET computed (FloatText: float.ToString("R")'s text, faster); empty when missing or not finite.</summary>
        private static StringBuilder Number(StringBuilder line, double? value)
        {
            if (value is not { } v || !float.IsFinite((float)v))
                return line;
            Span<byte> text = stackalloc byte[FloatText.MaxLength];
            Span<char> chars = stackalloc char[FloatText.MaxLength];
            Ascii.ToUtf16(text[..FloatText.Write((float)v, text)], chars, out var length);
            return line.Append(chars[..length]);
        }

        private void Reject(SepReader.Row row, string reason)
        {
            var line = new StringBuilder(256);
            for (var c = 0; c < _header.Count; c++)
                line.Append(c < row.ColCount ? row[c].ToString() : "").Append(',');
            line.Append(row.LineNumberFrom.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Csv(reason)).Append('\n');
            _rejects.Write(line);
        }

        private static void WriteLine(StreamWriter writer, IEnumerable<string> cells) => writer.Write(string.Join(",", cells) + "\n");

        public void Dispose()
        {
            _reader.Dispose();
            _output.Dispose();
            _rejects.Dispose();
        }
    }

    /// <summary>A CSV cell: quoted (with doubled quotes) when it holds a separator, quote or line break.</summary>
    internal static string Csv(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
