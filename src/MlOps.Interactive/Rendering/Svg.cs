using System.Globalization;
using System.Net;
using System.Text;

namespace MlOps.Interactive.Rendering;

/// <summary>
/// Charts as inline SVG built here: no script and no CDN, so they render in the kernel, in an executed .ipynb
/// viewed offline, and on sites that strip scripts (where Plotly figures would be blank).
/// </summary>
internal static class Svg
{
    private const int Width = 360;
    private const int Height = 280;
    private const int Left = 48;
    private const int Right = 12;
    private const int Top = 28;
    private const int Bottom = 40;

    internal static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, bool Markers = false);

    /// <summary>Lines over shared axes; <paramref name="diagonal"/> draws the chance line of a ROC plot.</summary>
    public static string LineChart(string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
        (double Min, double Max)? xRange = null, (double Min, double Max)? yRange = null, bool diagonal = false)
    {
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (all.Count == 0)
            return "";
        var (x0, x1) = xRange ?? Pad(all.Min(p => p.X), all.Max(p => p.X));
        var (y0, y1) = yRange ?? Pad(all.Min(p => p.Y), all.Max(p => p.Y));
        double X(double v) => Left + (v - x0) / (x1 - x0) * (Width - Left - Right);
        double Y(double v) => Height - Bottom - (v - y0) / (y1 - y0) * (Height - Top - Bottom);

        var svg = Open(title);
        Axes(svg, xLabel, yLabel, x0, x1, y0, y1, X, Y);
        if (diagonal)
            svg.Append($"<line x1=\"{F(X(x0))}\" y1=\"{F(Y(y0))}\" x2=\"{F(X(x1))}\" y2=\"{F(Y(y1))}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>");
        for (var i = 0; i < series.Count; i++)
        {
            var color = Palette[i % Palette.Length];
            var points = series[i].Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            svg.Append($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', points.Select(p => $"{F(X(p.X))},{F(Y(p.Y))}"))}\"><title>{E(series[i].Name)}</title></polyline>");
            if (series[i].Markers)
                foreach (var p in points)
                    svg.Append($"<circle cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"3.5\" fill=\"{color}\"><title>{E(series[i].Name)}: {F(p.X)}, {p.Y:0.####}</title></circle>");
        }

        if (series.Count > 1)
            Legend(svg, series.Select(s => s.Name).ToList());
        return Close(svg);
    }

    /// <summary>Confusion matrix: rows actual, columns predicted, darker = more rows.</summary>
    public static string Heatmap(string title, IReadOnlyList<string> labels, IReadOnlyList<IReadOnlyList<long>> counts)
    {
        var n = labels.Count;
        if (n == 0)
            return "";
        var max = Math.Max(1, counts.SelectMany(r => r).DefaultIfEmpty(0).Max());
        var cell = Math.Min(64, (Width - 110) / n);
        var svg = Open(title);
        const int x0 = 90, y0 = 48;
        svg.Append($"<text x=\"{x0 + n * cell / 2}\" y=\"{y0 - 8}\" text-anchor=\"middle\" font-size=\"11\">predicted</text>");
        svg.Append($"<text x=\"14\" y=\"{y0 + n * cell / 2}\" font-size=\"11\" transform=\"rotate(-90 14 {y0 + n * cell / 2})\" text-anchor=\"middle\">actual</text>");
        for (var r = 0; r < n; r++)
        {
            svg.Append($"<text x=\"{x0 - 6}\" y=\"{y0 + r * cell + cell / 2 + 4}\" text-anchor=\"end\" font-size=\"11\">{E(Short(labels[r]))}</text>");
            for (var c = 0; c < n; c++)
            {
                var v = r < counts.Count && c < counts[r].Count ? counts[r][c] : 0;
                var shade = (double)v / max;
                var fill = $"rgb({F(247 - shade * 200)},{F(251 - shade * 160)},{F(255 - shade * 80)})";
                svg.Append($"<rect x=\"{x0 + c * cell}\" y=\"{y0 + r * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#fff\"><title>actual {E(labels[r])}, predicted {E(labels[c])}: {v}</title></rect>");
                svg.Append($"<text x=\"{x0 + c * cell + cell / 2}\" y=\"{y0 + r * cell + cell / 2 + 4}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{(shade > 0.6 ? "#fff" : "#222")}\">{v}</text>");
            }
        }

        for (var c = 0; c < n; c++)
            svg.Append($"<text x=\"{x0 + c * cell + cell / 2}\" y=\"{y0 + n * cell + 14}\" text-anchor=\"middle\" font-size=\"11\">{E(Short(labels[c]))}</text>");
        return Close(svg);
    }

    /// <summary>Horizontal bars, longest first (feature importance, a metric per run).</summary>
    public static string Bars(string title, IReadOnlyList<(string Label, double Value)> items, string valueLabel)
    {
        if (items.Count == 0)
            return "";
        var rows = items.Take(20).ToList();
        var height = Top + 16 + rows.Count * 18 + 24;
        var min = Math.Min(0, rows.Min(r => r.Value));
        var max = Math.Max(0, rows.Max(r => r.Value));
        if (max == min)
            max = min + 1;
        const int x0 = 150, x1 = Width - 40;
        double X(double v) => x0 + (v - min) / (max - min) * (x1 - x0);
        var svg = Open(title, height);
        for (var i = 0; i < rows.Count; i++)
        {
            var y = Top + 10 + i * 18;
            var (a, b) = (X(Math.Min(0, rows[i].Value)), X(Math.Max(0, rows[i].Value)));
            svg.Append($"<text x=\"{x0 - 6}\" y=\"{y + 12}\" text-anchor=\"end\" font-size=\"11\">{E(Short(rows[i].Label, 22))}</text>");
            svg.Append($"<rect x=\"{F(a)}\" y=\"{y + 2}\" width=\"{F(Math.Max(1, b - a))}\" height=\"13\" fill=\"{Palette[0]}\"><title>{E(rows[i].Label)}: {rows[i].Value:0.####}</title></rect>");
            svg.Append($"<text x=\"{F(b + 4)}\" y=\"{y + 12}\" font-size=\"10\">{rows[i].Value:0.###}</text>");
        }

        svg.Append($"<line x1=\"{F(X(0))}\" y1=\"{Top + 8}\" x2=\"{F(X(0))}\" y2=\"{Top + 12 + rows.Count * 18}\" stroke=\"#444\"/>");
        svg.Append($"<text x=\"{(x0 + x1) / 2}\" y=\"{height - 8}\" text-anchor=\"middle\" font-size=\"11\">{E(valueLabel)}</text>");
        return Close(svg);
    }

    private static StringBuilder Open(string title, int height = Height) => new StringBuilder()
        .Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" role=\"img\" aria-label=\"{E(title)}\">")
        .Append($"<rect width=\"{Width}\" height=\"{height}\" fill=\"#fff\"/>")
        .Append($"<text x=\"{Width / 2}\" y=\"17\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{E(title)}</text>");

    private static string Close(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static void Axes(StringBuilder svg, string xLabel, string yLabel, double x0, double x1, double y0, double y1, Func<double, double> X, Func<double, double> Y)
    {
        svg.Append($"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        svg.Append($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var xv = x0 + (x1 - x0) * i / 4;
            var yv = y0 + (y1 - y0) * i / 4;
            svg.Append($"<text x=\"{F(X(xv))}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\" font-size=\"10\">{Tick(xv)}</text>");
            svg.Append($"<text x=\"{Left - 4}\" y=\"{F(Y(yv) + 3)}\" text-anchor=\"end\" font-size=\"10\">{Tick(yv)}</text>");
            svg.Append($"<line x1=\"{Left}\" y1=\"{F(Y(yv))}\" x2=\"{Width - Right}\" y2=\"{F(Y(yv))}\" stroke=\"#eee\"/>");
        }

        svg.Append($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\" font-size=\"11\">{E(xLabel)}</text>");
        svg.Append($"<text x=\"12\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 12 {(Top + Height - Bottom) / 2})\">{E(yLabel)}</text>");
    }

    private static void Legend(StringBuilder svg, IReadOnlyList<string> names)
    {
        for (var i = 0; i < Math.Min(names.Count, 8); i++)
        {
            var y = Height - Bottom - 14 - i * 14;
            svg.Append($"<rect x=\"{Width - Right - 110}\" y=\"{y - 8}\" width=\"10\" height=\"10\" fill=\"{Palette[i % Palette.Length]}\"/>");
            svg.Append($"<text x=\"{Width - Right - 96}\" y=\"{y + 1}\" font-size=\"10\">{E(Short(names[i], 16))}</text>");
        }
    }

    private static (double, double) Pad(double min, double max) =>
        min == max ? (min - 1, max + 1) : (min - (max - min) * 0.05, max + (max - min) * 0.05);

    private static string Tick(double v) => Math.Abs(v) >= 1000 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    internal static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Short(string text, int max = 10) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
