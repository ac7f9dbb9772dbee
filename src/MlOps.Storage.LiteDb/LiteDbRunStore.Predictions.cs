using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using LiteDB;
using MlOps.Serving;

namespace MlOps.Storage.LiteDb;

/// <summary>
/// The prediction log: same file and lock as runs and models. A server logs every row it answers, tens of thousands
/// a second, so records are written as segments: one document per batch and (model, version, source, column set),
/// holding its records packed in a binary field (<see cref="PredictionSegment"/>), so the writer pays one LiteDB
/// insert per few thousand records instead of one per record (and one index entry). The column names are stored once
/// per distinct column set (collection <c>prediction_columns</c>); counts per model, version and source are kept
/// beside (<c>prediction_counts</c>). A segment's key is its earliest record's timestamp ticks and store-wide
/// sequence, and a segment spans at most <see cref="SegmentSpan"/>, so a time window is a key range widened by that
/// span, and reads stream in timestamp order a page of segments at a time, merging overlapping segments.
/// A segment's bytes go to the segment file beside mlops.db (<see cref="SegmentFileName"/>, appended and flushed
/// to disk before the transaction that indexes them commits), the document keeping their offset and length: stored
/// in the document they were written three times over (LiteDB's log, its read-back at checkpoint, the data file)
/// and cost a busy server's log writer ~150 ns a record against ~15. Older stores' segments keep their bytes in
/// the document and are read as before, and so are the per-record documents (<c>predictions</c>) of stores written
/// before segments.
/// </summary>
public sealed partial class LiteDbRunStore : IPredictionRequestStore, IPredictionPackStore
{
    private const string PredictionsCollection = "predictions"; // per-record documents of older stores; also the sequence's name
    private const string SegmentsCollection = "prediction_segments";
    private const string CountsCollection = "prediction_counts";
    private const string PredictionColumnsCollection = "prediction_columns";
    private const string ModelVersionField = "k";
    private const int PredictionPage = 1000;
    private const int SegmentPage = 16;
    // A segment's bytes stay under the large object heap's threshold (85,000): a busy log writes many, and large
    // objects are only freed by full collections.
    private const int SegmentBytes = 64 * 1024;
    private static readonly TimeSpan SegmentSpan = TimeSpan.FromMinutes(1);
    private const string SegmentFileName = "prediction-segments.bin";

    // The segment file: appended under the store's write transaction (so by one process at a time), read by offset.
    private FileStream? _segmentWriter;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _segmentReader;
    private readonly Lock _segmentFileGate = new();

    private string SegmentFilePath => Path.Combine(Path.GetDirectoryName(Location)!, SegmentFileName);

    // Column sets are few and never change once written: cached by their joined names and by id.
    private readonly Dictionary<string, int> _columnSetIds = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string[]> _columnSets = [];

    private static void InitializePredictions(LiteDatabase db)
    {
        db.GetCollection(PredictionsCollection).EnsureIndex(ModelVersionField, "$." + ModelVersionField);
        db.GetCollection(PredictionColumnsCollection).EnsureIndex("names", "$.names", unique: true);
    }

    public void AppendPredictions(IReadOnlyList<LoggedPrediction> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // Each record as a one-row request: stored exactly as the logger's requests are (its prediction in an array,
        // which the segment reads without an interface call).
        AppendRequests(batch.Select(p => new LoggedRequest(p.Model, p.Version, p.Timestamp, p.Source,
            new ScoringInput(p.Inputs.Keys as IReadOnlyList<string> ?? p.Inputs.Keys.ToList(), [p.Inputs.Values as object?[] ?? p.Inputs.Values.ToArray()]),
            new[] { new Prediction(p.Label, p.Score, p.Probability) }, FirstRow)).ToList());
    }

    private static readonly int[] FirstRow = [0];

    /// <summary>
    /// A request's rows in a batch: all share its timestamp and take consecutive sequence numbers, so the records
    /// (Ticks, Sequence + i, Rows[i]) are sorted and packed a request at a time, not a row at a time.
    /// </summary>
    private readonly record struct RequestRecords(long Ticks, long Sequence, LoggedRequest Request, int Count);

    // A batch's requests per group, reused from batch to batch (writes are serialized under the store's lock): a
    // list of 10,000 one-row requests is over the large object heap's threshold, and one per batch meant a full
    // collection every few batches.
    private readonly List<List<RequestRecords>> _records = [];

    private List<RequestRecords> Records(int group)
    {
        while (_records.Count <= group)
            _records.Add([]);
        _records[group].Clear();
        return _records[group];
    }

    public void AppendRequests(IReadOnlyList<LoggedRequest> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rows = 0;
        for (var i = 0; i < batch.Count; i++)
            rows += batch[i].Rows.Count;
        if (rows == 0)
            return;
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        Write(db =>
        {
            added.Clear(); // a retried transaction starts over
            var (meta, counter, sequence) = Sequence(db);
            var groups = new Dictionary<(string Key, string Source, int Columns), List<RequestRecords>>();
            // Requests of one client share their column list: their group is looked up when it changes.
            LoggedRequest? last = null;
            List<RequestRecords> current = [];
            for (var i = 0; i < batch.Count; i++)
            {
                var request = batch[i];
                if (last is null || !ReferenceEquals(request.Input.Columns, last.Input.Columns) || request.Model != last.Model
                    || request.Version != last.Version || request.Source != last.Source)
                {
                    var group = (VersionKey(request.Model, request.Version), request.Source, ColumnSetId(db, request.Input.Columns, added));
                    if (!groups.TryGetValue(group, out current!))
                        groups[group] = current = Records(groups.Count);
                }
                var count = request.Rows.Count;
                if (count > 0)
                    current.Add(new RequestRecords(ToUtc(request.Timestamp).Ticks, sequence, request, count));
                sequence += count;
                last = request;
            }
            var segments = new List<(BsonDocument, byte[])>();
            var counts = db.GetCollection(CountsCollection);
            var scratch = new PredictionSegment.Buffer();
            foreach (var ((key, source, columnSet), requests) in groups)
            {
                SortNearlyOrdered(CollectionsMarshal.AsSpan(requests));
                // A segment ends before a record more than SegmentSpan after its first, or once it holds SegmentBytes:
                // a request's rows may be split between two segments.
                PredictionSegment? segment = null;
                long stored = 0;
                void Close(PredictionSegment full)
                {
                    segments.Add(SegmentDocument(full.Ticks, full.Sequence, key, source, columnSet, full.Count, full.ToArray()));
                    stored += full.Count;
                }
                foreach (var (ticks, first, request, count) in requests)
                    for (var done = 0; done < count;)
                    {
                        if (segment is not null && (ticks - segment.Ticks > SegmentSpan.Ticks || segment.Bytes >= SegmentBytes))
                        {
                            Close(segment);
                            segment = null;
                        }
                        segment ??= new PredictionSegment(ticks, first + done, scratch);
                        done += segment.Add(ticks, first + done, request, done, count - done);
                    }
                if (segment is not null)
                    Close(segment);
                Count(counts, key, source, stored);
            }
            Store(db, meta, counter, sequence, segments);
            foreach (var requests in groups.Values)
                requests.Clear(); // kept for the next batch, but not the requests
        });
        Remember(added);
    }

    public IPredictionPacker NewPacker() => new SegmentPacker();

    public void AppendPacks(IReadOnlyList<PredictionPack> packs)
    {
        ArgumentNullException.ThrowIfNull(packs);
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        Write(db =>
        {
            added.Clear(); // a retried transaction starts over
            var (meta, counter, sequence) = Sequence(db);
            var segments = new List<(BsonDocument, byte[])>(packs.Count);
            var stored = new Dictionary<(string Key, string Source), long>();
            foreach (var pack in packs)
            {
                var segment = pack as SegmentPack ?? throw new ArgumentException($"A {pack.GetType().Name} is not a pack of this store: pack with its {nameof(NewPacker)}.", nameof(packs));
                // The pack numbered its records from 0: they take the next store-wide sequence numbers now.
                segments.Add(SegmentDocument(segment.Ticks, sequence, segment.Key, segment.Source, ColumnSetId(db, segment.Columns, added), segment.Rows, segment.Bytes));
                sequence += segment.Rows;
                stored[(segment.Key, segment.Source)] = stored.GetValueOrDefault((segment.Key, segment.Source)) + segment.Rows;
            }
            var counts = db.GetCollection(CountsCollection);
            foreach (var ((key, source), count) in stored)
                Count(counts, key, source, count);
            Store(db, meta, counter, sequence, segments);
        });
        Remember(added);
    }

    /// <summary>The store-wide sequence's document and its next number.</summary>
    private static (ILiteCollection<BsonDocument> Meta, BsonDocument Counter, long Next) Sequence(LiteDatabase db)
    {
        var meta = db.GetCollection(MetaCollection);
        var counter = meta.FindById(PredictionsCollection) ?? new BsonDocument { ["_id"] = PredictionsCollection, ["seq"] = 0L };
        return (meta, counter, counter["seq"].AsInt64);
    }

    /// <summary>What segments and records are looked up by: "model/version".</summary>
    private static string VersionKey(string model, int version) => model + "/" + version.ToString(CultureInfo.InvariantCulture);

    /// <summary>A segment's document and its bytes, which <see cref="Store"/> writes to the segment file.</summary>
    private static (BsonDocument Document, byte[] Bytes) SegmentDocument(long ticks, long sequence, string key, string source, int columnSet, int count, byte[] bytes) => (new()
    {
        ["_id"] = Key(ticks, sequence), [ModelVersionField] = key, ["s"] = source, ["c"] = columnSet, ["n"] = count,
    }, bytes);

    /// <summary>Add <paramref name="stored"/> to the count of a model version's records from <paramref name="source"/>.</summary>
    private static void Count(ILiteCollection<BsonDocument> counts, string key, string source, long stored)
    {
        var countId = key + ColumnSeparator + source;
        var counted = counts.FindById(countId) ?? new BsonDocument { ["_id"] = countId, ["n"] = 0L };
        counted["n"] = counted["n"].AsInt64 + stored;
        counts.Upsert(counted);
    }

    /// <summary>
    /// The segments' bytes appended to the segment file and flushed to disk, then their documents (offset "o" and
    /// length "z") and the sequence moved past their records. A transaction that fails after the append leaves bytes
    /// nothing points to, never a document pointing to bytes that are not there.
    /// </summary>
    private void Store(LiteDatabase db, ILiteCollection<BsonDocument> meta, BsonDocument counter, long sequence, List<(BsonDocument Document, byte[] Bytes)> segments)
    {
        lock (_segmentFileGate)
        {
            var file = _segmentWriter ??= new FileStream(SegmentFilePath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            var at = file.Seek(0, SeekOrigin.End); // another process may have appended since this one last did
            foreach (var (document, bytes) in segments)
            {
                (document["o"], document["z"]) = (at, bytes.Length);
                file.Write(bytes);
                at += bytes.Length;
            }
            file.Flush(flushToDisk: true);
        }
        counter["seq"] = sequence;
        meta.Upsert(counter);
        db.GetCollection(SegmentsCollection).InsertBulk(segments.Select(s => s.Document), segments.Count);
    }

    /// <summary>A segment's bytes: in its document (stores of schema 1), else read from the segment file.</summary>
    private byte[] ReadSegment(BsonDocument segment)
    {
        if (segment.TryGetValue("b", out var inline))
            return inline.AsBinary;
        var (at, length) = (segment["o"].AsInt64, segment["z"].AsInt32);
        var bytes = new byte[length];
        var read = 0;
        if (SegmentReader() is { } file)
            while (read < length && RandomAccess.Read(file, bytes.AsSpan(read), at + read) is var n and > 0)
                read += n;
        if (read == length)
            return bytes;
        throw new MlOpsException($"The prediction log's segment file {SegmentFilePath} {(File.Exists(SegmentFilePath) ? $"ends before the {length} bytes at offset {at}" : "is missing")}, "
            + $"which {Location} says hold {segment["n"].AsInt32} predictions of '{segment[ModelVersionField].AsString}'. The two files belong together: "
            + "restore the store folder from a backup, or copy it whole (mlops.db alone leaves its logged predictions behind).");
    }

    /// <summary>The segment file opened for reading by offset (thread-safe), or null when there is none.</summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle? SegmentReader()
    {
        lock (_segmentFileGate)
        {
            if (_segmentReader is null && File.Exists(SegmentFilePath))
                _segmentReader = File.OpenHandle(SegmentFilePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return _segmentReader;
        }
    }

    private void CloseSegmentFile()
    {
        lock (_segmentFileGate)
        {
            _segmentWriter?.Dispose();
            _segmentReader?.Dispose();
            (_segmentWriter, _segmentReader) = (null, null);
        }
    }

    /// <summary>Cache the column sets a committed write added.</summary>
    private void Remember(Dictionary<string, int> added)
    {
        lock (_gate)
            foreach (var (names, id) in added)
            {
                _columnSetIds[names] = id;
                _columnSets[id] = names.Split(ColumnSeparator);
            }
    }

    /// <summary>
    /// Packs a logging thread's rows into one segment at a time, numbered from 0 (<see cref="AppendPacks"/> gives
    /// them their sequence numbers), in the format <see cref="AppendRequests"/> writes.
    /// </summary>
    private sealed class SegmentPacker : IPredictionPacker
    {
        private readonly PredictionSegment.Buffer _scratch = new();
        private PredictionSegment? _segment;
        private string _model = "", _source = "";
        private int _version;
        private IReadOnlyList<string> _columns = [];

        public int Rows => _segment?.Count ?? 0;

        public int Add(LoggedRequest request, int from)
        {
            var ticks = ToUtc(request.Timestamp).Ticks;
            if (_segment is { } open)
            {
                // A segment's records are of one group, and no earlier than its first (its key) nor a span later.
                if (ticks < open.Ticks || ticks - open.Ticks > SegmentSpan.Ticks || open.Bytes >= SegmentBytes || request.Version != _version
                    || request.Model != _model || request.Source != _source || !SameColumns(request.Input.Columns, _columns))
                    return 0;
            }
            else
            {
                (_model, _version, _source, _columns) = (request.Model, request.Version, request.Source, request.Input.Columns);
                _segment = new PredictionSegment(ticks, 0, _scratch);
            }
            return _segment.Add(ticks, _segment.Count, request, from, request.Rows.Count - from);
        }

        // A server's requests share one column list; another client's may be a new list of the same names.
        private static bool SameColumns(IReadOnlyList<string> a, IReadOnlyList<string> b) => ReferenceEquals(a, b) || a.SequenceEqual(b);

        public PredictionPack Seal()
        {
            var full = _segment ?? throw new InvalidOperationException("No open pack to seal.");
            _segment = null;
            return new SegmentPack(VersionKey(_model, _version), _source, _columns, full.Ticks, full.Count, full.ToArray());
        }
    }

    private sealed class SegmentPack(string key, string source, IReadOnlyList<string> columns, long ticks, int count, byte[] bytes) : PredictionPack
    {
        public string Key => key;
        public string Source => source;
        public IReadOnlyList<string> Columns => columns;
        public long Ticks => ticks;
        public byte[] Bytes => bytes;
        public override int Rows => count;
    }

    /// <summary>
    /// Time order by (ticks, sequence). The logger's queue is almost in order already (requests answered on two
    /// threads arrive a few places apart), so an insertion sort is linear here; a general sort with a comparison
    /// delegate showed up in profiles of a busy server.
    /// </summary>
    private static void SortNearlyOrdered(Span<RequestRecords> requests)
    {
        // Far out of order (records appended by other code): past this many moves a general sort is cheaper.
        var budget = 8L * requests.Length;
        for (var i = 1; i < requests.Length; i++)
        {
            var item = requests[i];
            var j = i - 1;
            if (!Before(item, requests[j]))
                continue;
            while (j >= 0 && Before(item, requests[j]))
            {
                requests[j + 1] = requests[j];
                j--;
                budget--;
            }
            requests[j + 1] = item;
            if (budget < 0)
            {
                requests.Sort(static (a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Sequence.CompareTo(b.Sequence));
                return;
            }
        }

        static bool Before(in RequestRecords a, in RequestRecords b) => a.Ticks < b.Ticks || (a.Ticks == b.Ticks && a.Sequence < b.Sequence);
    }

    public IEnumerable<LoggedPrediction> ReadPredictions(string model, int? version = null, string? source = null, DateTime? from = null, DateTime? to = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var prefix = model + "/";
        var exact = version is { } v ? VersionKey(model, v) : null;
        bool Wanted(BsonDocument doc)
        {
            var key = doc[ModelVersionField].AsString;
            return (exact is not null ? key == exact : key.StartsWith(prefix, StringComparison.Ordinal)) && (source is null || doc["s"].AsString == source);
        }
        var (start, end) = (from is { } f ? ToUtc(f).Ticks : long.MinValue, to is { } t ? ToUtc(t).Ticks : long.MaxValue);
        // A segment holds records up to SegmentSpan after its key: those starting that much before the window may reach into it.
        var segments = Documents(SegmentsCollection, from is { } s ? Key(Math.Max(0, ToUtc(s).Ticks - SegmentSpan.Ticks), 0) : "", SegmentPage).GetEnumerator();
        var records = Documents(PredictionsCollection, from is { } r ? Key(r, 0) : "", PredictionPage).GetEnumerator();
        var (segment, record) = (Next(segments), Next(records));
        // Records of segments already read, earliest first: one is due once no unread segment or record can come before it.
        var pending = new PriorityQueue<LoggedPrediction, (long Ticks, long Sequence)>();
        while (true)
        {
            var next = segment is null ? record : record is null ? segment : string.CompareOrdinal(segment["_id"].AsString, record["_id"].AsString) <= 0 ? segment : record;
            var bound = next is null ? (Ticks: long.MaxValue, Sequence: long.MaxValue) : ParseKey(next["_id"].AsString);
            while (pending.TryPeek(out _, out var at) && at.CompareTo(bound) < 0)
                yield return pending.Dequeue();
            if (next is null || bound.Ticks >= end)
                yield break;
            if (next == segment)
            {
                if (Wanted(segment))
                    foreach (var (ticks, sequence, p) in PredictionSegment.Read(ReadSegment(segment), bound.Ticks, bound.Sequence,
                        segment[ModelVersionField].AsString, segment["s"].AsString, ColumnSet(segment["c"].AsInt32)))
                        if (ticks >= start && ticks < end)
                            pending.Enqueue(p, (ticks, sequence));
                segment = Next(segments);
            }
            else
            {
                if (Wanted(record!))
                    pending.Enqueue(ToPrediction(record!, record![ModelVersionField].AsString), bound);
                record = Next(records);
            }
        }
    }

    private static BsonDocument? Next(IEnumerator<BsonDocument> documents) => documents.MoveNext() ? documents.Current : null;

    /// <summary>A collection's documents from key <paramref name="from"/> on, in key order, read a page at a time (each page under the lock, released before yielding).</summary>
    private IEnumerable<BsonDocument> Documents(string collection, string from, int page)
    {
        var (after, inclusive) = (from, true);
        while (true)
        {
            var (start, gte) = (after, inclusive);
            var docs = Read(db => db.GetCollection(collection).Query()
                .Where(gte ? Query.GTE("_id", start) : Query.GT("_id", start))
                .OrderBy("_id")
                .Limit(page)
                .ToList());
            foreach (var doc in docs)
                yield return doc;
            if (docs.Count < page)
                yield break;
            (after, inclusive) = (docs[^1]["_id"].AsString, false);
        }
    }

    public long CountPredictions(string model, int? version = null, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var key = model + "/" + (version is { } v ? v.ToString(CultureInfo.InvariantCulture) + ColumnSeparator : "");
        return Read(db =>
        {
            long count = 0;
            foreach (var doc in db.GetCollection(CountsCollection).Find(Query.StartsWith("_id", key)))
            {
                // The key runs up to the version and its separator, so "m/1" never counts "m/10" nor "m-2" "m".
                var id = doc["_id"].AsString;
                if (source is null || id.AsSpan(id.IndexOf(ColumnSeparator, StringComparison.Ordinal) + 1).SequenceEqual(source))
                    count += doc["n"].AsInt64;
            }
            var records = db.GetCollection(PredictionsCollection);
            var byModel = version is { } n
                ? Query.EQ(ModelVersionField, VersionKey(model, n))
                : Query.StartsWith(ModelVersionField, model + "/");
            return count + (source is null ? records.LongCount(byModel) : records.LongCount(Query.And(byModel, Query.EQ("s", source))));
        });
    }

    // Unit separator: cannot occur in a CSV or JSON column name a client would send by accident.
    private const char ColumnSeparator = '\u001f';

    private int ColumnSetId(LiteDatabase db, IEnumerable<string> columns, Dictionary<string, int> added)
    {
        var names = string.Join(ColumnSeparator, columns);
        lock (_gate)
            if (_columnSetIds.TryGetValue(names, out var known))
                return known;
        if (added.TryGetValue(names, out var id))
            return id;
        var sets = db.GetCollection(PredictionColumnsCollection, BsonAutoId.Int32);
        var stored = sets.FindOne(Query.EQ("names", names));
        id = stored is not null ? stored["_id"].AsInt32 : sets.Insert(new BsonDocument { ["names"] = names }).AsInt32;
        added[names] = id;
        return id;
    }

    private string[] ColumnSet(int id)
    {
        lock (_gate)
            if (_columnSets.TryGetValue(id, out var names))
                return names;
        var loaded = Read(db => db.GetCollection(PredictionColumnsCollection).FindById(id)?["names"].AsString)
            ?? throw new MlOpsException($"The prediction log in {Location} names column set {id}, which is missing. The file is damaged; restore it from a backup.");
        var split = loaded.Split(ColumnSeparator);
        lock (_gate)
            _columnSets[id] = split;
        return split;
    }

    /// <summary>Timestamp ticks (UTC, 19 digits: sorts as text) then a store-wide sequence: unique, and in time order.</summary>
    private static string Key(DateTime timestamp, long sequence) => Key(ToUtc(timestamp).Ticks, sequence);

    private static string Key(long ticks, long sequence) =>
        ticks.ToString("D19", CultureInfo.InvariantCulture) + sequence.ToString("x8", CultureInfo.InvariantCulture);

    private static (long Ticks, long Sequence) ParseKey(string key) =>
        (long.Parse(key.AsSpan(0, 19), CultureInfo.InvariantCulture), long.Parse(key.AsSpan(19), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    /// <summary>A record of an older store (one document per record).</summary>
    private LoggedPrediction ToPrediction(BsonDocument doc, string key)
    {
        var slash = key.LastIndexOf('/');
        var names = ColumnSet(doc["c"].AsInt32);
        var values = doc["x"].AsArray;
        var inputs = new Dictionary<string, object?>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length && i < values.Count; i++)
            inputs[names[i]] = values[i] switch
            {
                { IsNull: true } => null,
                { IsString: true } s => s.AsString,
                { IsBoolean: true } b => b.AsBoolean,
                var n => n.AsDouble,
            };
        var ticks = long.Parse(doc["_id"].AsString.AsSpan(0, 19), CultureInfo.InvariantCulture);
        return new LoggedPrediction(key[..slash], int.Parse(key.AsSpan(slash + 1), CultureInfo.InvariantCulture), new DateTime(ticks, DateTimeKind.Utc),
            doc["s"].AsString, inputs, doc["l"].AsString,
            doc.TryGetValue("sc", out var sc) ? sc.AsDouble : null,
            doc.TryGetValue("p", out var pr) ? pr.AsDouble : null);
    }

    /// <summary>
    /// Records of one model version, source and column set, packed: per record the offsets of its timestamp ticks and
    /// sequence from the segment's first (varints), the label, the score and probability (4 bytes when the double is
    /// a float, as ML.NET's are), and the input cells, each a tag and its value (whole numbers as varints).
    /// </summary>
    private sealed class PredictionSegment(long ticks, long sequence, PredictionSegment.Buffer scratch)
    {
        private const byte Null = 0, False = 1, True = 2, Text = 3, Float64 = 4, Float32 = 5, Whole = 6;
        // Flags of a record; a boolean label (binary models) is a flag, any other label follows as text.
        private const byte HasScore = 1, ScoreSingle = 2, HasProbability = 4, ProbabilitySingle = 8, LabelTrue = 16, LabelFalse = 32;
        // A record's bytes at most but for its text: two varints, flags, score, probability, cell count; per cell a tag and 10.
        private const int RecordBytes = 10 + 10 + 1 + 8 + 8 + 5, CellBytes = 11;

        /// <summary>
        /// Where segments are written, one after the other, and a request's typed columns: reused, so only each
        /// segment's final bytes are allocated.
        /// </summary>
        public sealed class Buffer
        {
            public byte[] Bytes = new byte[SegmentBytes + 4096];
            public Column[] Columns = [];
        }

        /// <summary>A typed column: its numbers, else its texts (a struct, so storing one needs no array type check).</summary>
        public struct Column
        {
            public double[]? Numbers;
            public string?[]? Texts;
        }

        private byte[] _buffer = scratch.Bytes;
        private int _length;

        public long Ticks => ticks;

        public long Sequence => sequence;

        public int Bytes => _length;

        public int Count { get; private set; }

        /// <summary>
        /// Rows <c>Rows[from..]</c> of a request, numbered from <paramref name="number"/> on, at most
        /// <paramref name="count"/> and only while the segment is under <see cref="SegmentBytes"/> (a new segment takes
        /// at least one): how many were added. What varies per request (its arrays and columns) is looked up once here,
        /// and room is made once per record (and per text), so that the values are written without other checks.
        /// </summary>
        public int Add(long at, long number, LoggedRequest request, int from, int count)
        {
            var rows = Rows(request.Rows);
            var predictions = request.Predictions as Prediction[] ?? [.. request.Predictions];
            var input = request.Input;
            var columns = input.Columns.Count;
            var typed = input.Rows as ITypedRows;
            if (typed is not null)
            {
                if (scratch.Columns.Length < columns)
                    scratch.Columns = new Column[columns];
                for (var c = 0; c < columns; c++)
                    scratch.Columns[c] = new Column { Numbers = typed.Numbers(c), Texts = typed.Texts(c) };
            }
            var delta = (ulong)(at - ticks); // records are in time order: never below the first
            var length = _length;
            var added = 0;
            for (; added < count && length < SegmentBytes; added++)
            {
                var row = rows[from + added];
                var p = predictions[row];
                var cells = typed is null ? input.Rows[row] : null;
                var recordBytes = RecordBytes + CellBytes * (cells?.Length ?? columns);
                var buffer = Room(length, recordBytes);
                length = Varint(buffer, length, delta);
                // Signed: a request's timestamp may come a little after a later-numbered one's.
                length = Varint(buffer, length, ZigZag(number + added - sequence));
                var (label, score, probability) = (p.Label, p.Score, p.Probability);
                var flags = (byte)((label is bool b ? (b ? LabelTrue : LabelFalse) : 0)
                    | (score is { } s ? HasScore | (IsSingle(s) ? ScoreSingle : 0) : 0)
                    | (probability is { } q ? HasProbability | (IsSingle(q) ? ProbabilitySingle : 0) : 0));
                buffer[length++] = flags;
                if (label is not bool)
                {
                    var text = LoggedRequest.LabelText(label);
                    buffer = Room(length, StringBytes(text) + recordBytes);
                    length = String(buffer, length, text);
                }
                if (score is { } sc) length = Number(buffer, length, sc, (flags & ScoreSingle) != 0);
                if (probability is { } pr) length = Number(buffer, length, pr, (flags & ProbabilitySingle) != 0);
                length = cells is null ? TypedCells(length, scratch.Columns, columns, row, recordBytes) : BoxedCells(length, cells, recordBytes);
            }
            _length = length;
            Count += added;
            return added;
        }

        /// <summary>A request's row numbers without an interface call per row: the logger's are arrays (or lists when sampled).</summary>
        private static ReadOnlySpan<int> Rows(IReadOnlyList<int> rows) => rows switch
        {
            int[] array => array,
            List<int> list => CollectionsMarshal.AsSpan(list),
            _ => rows.ToArray(),
        };

        /// <summary>A row of typed columns, room made for all but its texts: no boxed cell, a missing number (NaN) logged as null as when boxed.</summary>
        private int TypedCells(int at, Column[] columns, int count, int row, int reserve)
        {
            var buffer = _buffer;
            at = Varint(buffer, at, (ulong)count);
            for (var c = 0; c < count; c++)
            {
                var column = columns[c];
                if (column.Numbers is { } numbers)
                {
                    var d = numbers[row];
                    if (double.IsNaN(d))
                        buffer[at++] = Null;
                    else
                        at = Number(buffer, at, d);
                }
                else if (column.Texts![row] is { } text)
                    (buffer, at) = Tagged(at, text, reserve);
                else
                    buffer[at++] = Null;
            }
            return at;
        }

        /// <summary>A row of boxed cells (numbers of any type, text, bool or null), room made for all but its texts.</summary>
        private int BoxedCells(int at, object?[] cells, int reserve)
        {
            var buffer = _buffer;
            at = Varint(buffer, at, (ulong)cells.Length);
            foreach (var cell in cells)
            {
                switch (cell)
                {
                    case null: buffer[at++] = Null; break;
                    case bool b: buffer[at++] = b ? True : False; break;
                    case string s: (buffer, at) = Tagged(at, s, reserve); break;
                    case double d: at = Number(buffer, at, d); break;
                    case IConvertible c when c.GetTypeCode() is >= TypeCode.SByte and <= TypeCode.Decimal: at = Number(buffer, at, c.ToDouble(CultureInfo.InvariantCulture)); break;
                    default: (buffer, at) = Tagged(at, Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "", reserve); break;
                }
            }
            return at;
        }

        public byte[] ToArray() => _buffer[.._length];

        public static IEnumerable<(long Ticks, long Sequence, LoggedPrediction Record)> Read(byte[] bytes, long ticks, long sequence, string key, string source, string[] names)
        {
            var slash = key.LastIndexOf('/');
            var (model, version) = (key[..slash], int.Parse(key.AsSpan(slash + 1), CultureInfo.InvariantCulture));
            var at = 0;
            while (at < bytes.Length)
            {
                var when = ticks + (long)ReadVarint(bytes, ref at);
                var number = sequence + ZigZag(ReadVarint(bytes, ref at));
                var flags = bytes[at++];
                var label = (flags & LabelTrue) != 0 ? "true" : (flags & LabelFalse) != 0 ? "false" : ReadString(bytes, ref at);
                double? score = (flags & HasScore) != 0 ? ReadNumber(bytes, ref at, (flags & ScoreSingle) != 0) : null;
                double? probability = (flags & HasProbability) != 0 ? ReadNumber(bytes, ref at, (flags & ProbabilitySingle) != 0) : null;
                var count = (int)ReadVarint(bytes, ref at);
                var inputs = new Dictionary<string, object?>(count, StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var cell = ReadCell(bytes, ref at);
                    if (i < names.Length)
                        inputs[names[i]] = cell;
                }
                yield return (when, number, new LoggedPrediction(model, version, new DateTime(when, DateTimeKind.Utc), source, inputs, label, score, probability));
            }
        }

        private static bool IsSingle(double value) => (double)(float)value == value || double.IsNaN(value);

        /// <summary>A text cell, room made for it and <paramref name="reserve"/> bytes more: the buffer (grown if it had to be) and the length.</summary>
        private (byte[] Buffer, int Length) Tagged(int at, string s, int reserve)
        {
            var buffer = Room(at, 1 + StringBytes(s) + reserve);
            buffer[at++] = Text;
            return (buffer, String(buffer, at, s));
        }

        private const long Exact = 1L << 53; // doubles up to this magnitude hold every whole number

        /// <summary>A cell's number: whole numbers (counts, ranks, years) as zigzag varints; -0 keeps its sign as a double.</summary>
        private static int Number(byte[] buffer, int at, double d)
        {
            // The processor's own conversion (NaN and out of range give a value that fails the test below), not the
            // saturating cast's longer sequence.
            var whole = double.ConvertToIntegerNative<long>(d);
            // Whole and |d| < 2^53, as one unsigned compare; the sign bit alone is -0.
            if (whole == d && (ulong)(whole + (Exact - 1)) < (ulong)(2 * Exact - 1) && BitConverter.DoubleToInt64Bits(d) != long.MinValue)
            {
                buffer[at] = Whole;
                return Varint(buffer, at + 1, ZigZag(whole));
            }
            var single = IsSingle(d);
            buffer[at] = single ? Float32 : Float64;
            return Number(buffer, at + 1, d, single);
        }

        private static int Number(byte[] buffer, int at, double d, bool single)
        {
            if (single)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(at), (float)d);
                return at + 4;
            }
            BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(at), d);
            return at + 8;
        }

        // UTF-8 takes at most 3 bytes per UTF-16 char (Encoding.UTF8.GetMaxByteCount's bound), and a varint its length.
        private static int StringBytes(string s) => 3 * (s.Length + 1) + 10;

        /// <summary>A string, room made for <see cref="StringBytes"/>.</summary>
        private static int String(byte[] buffer, int at, string s)
        {
            // Labels and categories are short ASCII: their length is one byte, each char a byte (checked as it is copied;
            // a string found not to be ASCII is written over as UTF-8).
            if (s.Length < 128 && Ascii.FromUtf16(s, buffer.AsSpan(at + 1), out _) == OperationStatus.Done)
            {
                buffer[at] = (byte)s.Length;
                return at + 1 + s.Length;
            }
            at = Varint(buffer, at, (ulong)Encoding.UTF8.GetByteCount(s));
            return at + Encoding.UTF8.GetBytes(s, buffer.AsSpan(at));
        }

        /// <summary>A varint, room made for 10 bytes.</summary>
        private static int Varint(byte[] buffer, int at, ulong value)
        {
            for (; value >= 0x80; value >>= 7)
                buffer[at++] = (byte)(value | 0x80);
            buffer[at++] = (byte)value;
            return at;
        }

        /// <summary>The buffer with room for <paramref name="bytes"/> more after <paramref name="length"/>.</summary>
        private byte[] Room(int length, int bytes)
        {
            if (length + bytes > _buffer.Length)
            {
                Array.Resize(ref scratch.Bytes, Math.Max(_buffer.Length * 2, length + bytes));
                _buffer = scratch.Bytes;
            }
            return _buffer;
        }

        private static object? ReadCell(byte[] bytes, ref int at) => bytes[at++] switch
        {
            Null => null,
            False => false,
            True => true,
            Text => ReadString(bytes, ref at),
            Whole => (double)ZigZag(ReadVarint(bytes, ref at)),
            var tag => ReadNumber(bytes, ref at, tag == Float32),
        };

        private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

        private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

        private static double ReadNumber(byte[] bytes, ref int at, bool single)
        {
            var value = single ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at));
            at += single ? 4 : 8;
            return value;
        }

        private static string ReadString(byte[] bytes, ref int at)
        {
            var length = (int)ReadVarint(bytes, ref at);
            var s = Encoding.UTF8.GetString(bytes, at, length);
            at += length;
            return s;
        }

        private static ulong ReadVarint(byte[] bytes, ref int at)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = bytes[at++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                    return value;
            }
        }
    }
}
