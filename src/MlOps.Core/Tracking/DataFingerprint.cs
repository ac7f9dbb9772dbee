namespace MlOps.Tracking;

/// <summary>What data a run saw: content hash of the input files, rows read, and their schema.</summary>
public sealed record DataFingerprint(string Sha256, int Rows, IReadOnlyList<SchemaColumn> Columns);

/// <summary>A column of a schema or model signature: name and type ("number", "text", "category", "bool").</summary>
public sealed record SchemaColumn(string Name, string Type);
