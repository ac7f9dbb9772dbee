namespace MlOps.Interactive.Rendering;

/// <summary>Inline styles shared by every notebook view (front ends drop &lt;style&gt; blocks inconsistently).</summary>
internal static class HtmlStyle
{
    public const string Table = "border-collapse:collapse;font-size:12px;margin:4px 0";
    public const string Cell = "border:1px solid #ddd;padding:2px 6px;text-align:left";
    public const string Num = "border:1px solid #ddd;padding:2px 6px;text-align:right;font-variant-numeric:tabular-nums";
}
