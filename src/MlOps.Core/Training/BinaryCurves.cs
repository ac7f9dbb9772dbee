using MlOps.Tracking;

namespace MlOps.Training;

/// <summary>ROC and precision-recall curves and their areas, from (label, score) pairs.</summary>
internal static class BinaryCurves
{
    /// <summary>
    /// Full-resolution curves: one point per distinct score (ties form one step, so areas are exact under ties).
    /// ROC starts at (0,0) and ends at (1,1); PR starts at sklearn's anchor (recall 0, precision 1). Synthetic
    /// anchor points carry a NaN threshold. Either curve is empty when undefined (ROC needs both classes, PR
    /// needs a positive).
    /// </summary>
    public static (List<CurvePoint> Roc, List<CurvePoint> Pr) Compute(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, labels.Count).Where(i => !double.IsNaN(scores[i]))
            .OrderByDescending(i => scores[i]).ToArray();
        long positives = order.LongCount(i => labels[i]);
        long negatives = order.Length - positives;
        var roc = new List<CurvePoint>();
        var pr = new List<CurvePoint>();
        if (positives == 0) return (roc, pr);

        if (negatives > 0) roc.Add(new CurvePoint(0, 0));
        pr.Add(new CurvePoint(0, 1));
        long tp = 0, fp = 0;
        for (var k = 0; k < order.Length;)
        {
            var threshold = scores[order[k]];
            while (k < order.Length && scores[order[k]] == threshold)
            {
                if (labels[order[k]]) tp++; else fp++;
                k++;
            }
            if (negatives > 0) roc.Add(new CurvePoint((double)fp / negatives, (double)tp / positives, threshold));
            pr.Add(new CurvePoint((double)tp / positives, (double)tp / (tp + fp), threshold));
        }
        return (roc, pr);
    }

    /// <summary>Trapezoidal area under the ROC curve (equals the Mann-Whitney statistic, ties counted half).</summary>
    public static double RocArea(IReadOnlyList<CurvePoint> roc)
    {
        if (roc.Count < 2) return double.NaN;
        var area = 0.0;
        for (var i = 1; i < roc.Count; i++)
            area += (roc[i].X - roc[i - 1].X) * (roc[i].Y + roc[i - 1].Y) / 2;
        return area;
    }

    /// <summary>Average precision: sum over thresholds of (recall gained) × precision, sklearn's definition.</summary>
    public static double AveragePrecision(IReadOnlyList<CurvePoint> pr)
    {
        if (pr.Count < 2) return double.NaN;
        var area = 0.0;
        for (var i = 1; i < pr.Count; i++)
            area += (pr[i].X - pr[i - 1].X) * pr[i].Y;
        return area;
    }

    /// <summary>At most <paramref name="max"/> evenly spaced points, always keeping the first and last.</summary>
    public static IReadOnlyList<T> Downsample<T>(IReadOnlyList<T> points, int max)
    {
        if (points.Count <= max || max < 2) return points;
        var result = new List<T>(max);
        var last = -1;
        for (var i = 0; i < max; i++)
        {
            var index = (int)Math.Round(i * (points.Count - 1) / (double)(max - 1));
            if (index == last) continue;
            result.Add(points[index]);
            last = index;
        }
        return result;
    }
}
