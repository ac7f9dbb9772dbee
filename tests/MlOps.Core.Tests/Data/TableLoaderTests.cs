using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlOps.Data;

namespace MlOps.Core.Tests.Data;

public sealed class TableLoaderTests
{
    // ---- the real files ----------------------------------------------------------------------------------------

    [Fact]
    public void CwurData_loads_2200_rows_and_repairs_the_broken_quote_on_line_1011()
    {
        var table = TableLoader.Load(RepoPaths.Rankings("cwurData.csv"));

        Assert.Equal("cwurData", table.Name);
        Assert.Equal(2200, table.RowCount);
        Assert.Equal(2200, table.Report.Rows);
        Assert.Equal(14, table.Columns.Count);
        // File line 1011 is data row 1010 (line 1 is the header): index 1009.
        Assert.Equal("University of Eastern Piedmont \"Amedeo Avogadro\"", table["institution"].Text![1009]);
        Assert.Equal("Italy", table["country"].Text![1009]);
        Assert.Equal("2014", table["year"].Text![1009]);
        // The same name is broken again on line 1831 (2015): two repaired cells, each noted with its line.
        Assert.Equal("University of Eastern Piedmont \"Amedeo Avogadro\"", table["institution"].Text![1829]);
        Assert.Equal(2, table.Report.RepairedCells);
        Assert.Contains(table.Report.Notes, n => n.Contains("cwurData.csv") && n.Contains("line 1011"));
        Assert.Contains(table.Report.Notes, n => n.Contains("cwurData.csv") && n.Contains("line 1831"));
        Assert.False(table.Report.IsClean);
        Assert.Equal("LF", table.Report.LineEnding);
    }

    [Fact]
    public void A_file_read_in_pieces_gives_the_cells_of_the_whole_file_in_order()
    {
        var path = RepoPaths.Rankings("cwurData.csv");
        var whole = TableLoader.LoadCsv(path);

        var pieces = TableLoader.LoadCsvChunks(path, 1000).ToList();

        Assert.Equal([1000, 1000, 200], pieces.Select(p => p.RowCount));
        Assert.All(pieces, p => Assert.Equal(whole.ColumnNames, p.ColumnNames));
        foreach (var column in whole.Columns)
            Assert.Equal(column.Text!, pieces.SelectMany(p => p[column.Name].Text!));
        // The repaired quote on line 1011 lands in the second piece as in the whole file.
        Assert.Equal("University of Eastern Piedmont \"Amedeo Avogadro\"", pieces[1]["institution"].Text![9]);
    }

    [Fact]
    public void Pieces_skip_blank_lines_and_fail_as_a_whole_read_fails()
    {
        using var dir = new TempDir();
        var pieces = TableLoader.LoadCsvChunks(dir.Write("blank.csv", "a,b\n1,2\n\n3,4\n5,6\n\n"), 2).ToList();
        Assert.Equal(["1", "3", "5"], pieces.SelectMany(p => p["a"].Text!));
        Assert.Equal([2, 1], pieces.Select(p => p.RowCount));

        // The file is checked when the pieces are asked for; its rows as they are read.
        Assert.Contains("does not exist", Assert.Throws<MlOpsException>(() => TableLoader.LoadCsvChunks(Path.Combine(dir.Path, "none.csv"), 10)).Message);
        var headerOnly = TableLoader.LoadCsvChunks(dir.Write("header.csv", "a,b\n"), 10);
        Assert.Contains("no data rows", Assert.Throws<MlOpsException>(() => headerOnly.ToList()).Message);
        var ragged = TableLoader.LoadCsvChunks(dir.Write("ragged.csv", "a,b\n1,2\n3,4\n5\n"), 2);
        Assert.Contains("line 4", Assert.Throws<MlOpsException>(() => ragged.ToList()).Message);
    }

    [Fact]
    public void TimesData_loads_2603_rows_whose_messy_cells_parse_as_numbers()
    {
        var table = TableLoader.Load(RepoPaths.Rankings("timesData.csv"));

        Assert.Equal(2603, table.RowCount);
        Assert.True(table.Report.IsClean);
        // Row 0: Harvard 2011, "20,152" students (quoted in the file), 25% international, no female_male_ratio.
        Assert.Equal("Harvard University", table["university_name"].Text![0]);
        Assert.Equal("20,152", table["num_students"].Text![0]);
        Assert.Null(table["female_male_ratio"].Text![0]);
        Assert.Equal(20152, Parse(table["num_students"].Text![0]));
        Assert.Equal(25, Parse(table["international_students"].Text![0]));
        Assert.Equal(0.33, Parse(table["female_male_ratio"].Text![1]), 9);

        var ranks = table["world_rank"].Text!;
        Assert.Contains("=39", ranks);
        Assert.Equal(39, Parse(ranks.First(r => r == "=39")));
        Assert.Contains("201-250", ranks);
        Assert.Equal(45, Parse("=45"));
        Assert.Equal(225.5, Parse(ranks.First(r => r == "201-250")));
        var income = table["income"].Text!;
        Assert.Equal("-", income[4]); // Princeton 2011
        Assert.True(double.IsNaN(Parse(income[4])));

        // Every numeric column of the file reads cell by cell (only names and countries are text).
        foreach (var column in table.Columns.Where(c => c.Name is not ("university_name" or "country")))
            Assert.All(column.Text!, cell => Assert.True(MessyNumber.TryParse(cell, out _), $"{column.Name}: '{cell}'"));
    }

    [Fact]
    public void ShanghaiData_loads_4897_rows()
    {
        var table = TableLoader.Load(RepoPaths.Rankings("shanghaiData.csv"));

        Assert.Equal(4897, table.RowCount);
        Assert.Equal(4897, table.Report.Rows);
        Assert.True(table.HasColumn("world_rank"));
        Assert.Contains("101-152", table["world_rank"].Text!);
    }

    [Fact]
    public void Education_expenditure_with_CR_only_line_endings_loads_333_rows()
    {
        var table = TableLoader.Load(RepoPaths.Rankings("education_expenditure_supplementary_data.csv"));

        Assert.Equal("CR", table.Report.LineEnding);
        Assert.Equal(333, table.RowCount);
        Assert.Equal(["country", "institute_type", "direct_expenditure_type", "1995", "2000", "2005", "2009", "2010", "2011"], table.ColumnNames);
        Assert.Equal("OECD Average", table["country"].Text![0]);
        Assert.Equal("4.9", table["1995"].Text![0]);
    }

    private static double Parse(string? text)
    {
        Assert.True(MessyNumber.TryParse(text, out var value), text);
        return value;
    }

    // ---- bad input ---------------------------------------------------------------------------------------------

    [Fact]
    public void Missing_file_fails_naming_the_path()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "nope.csv");

        var e = Assert.Throws<MlOpsException>(() => TableLoader.LoadCsv(path));
        Assert.Contains(path, e.Message);
        var e2 = Assert.Throws<MlOpsException>(() => TableLoader.Load(path));
        Assert.Contains(path, e2.Message);
        Assert.Contains("does not exist", e2.Message);
    }

    [Fact]
    public void Empty_file_fails()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Write("empty.csv", "")));
        Assert.Contains("empty.csv", e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Header_only_fails()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Write("header.csv", "a,b,c\n")));
        Assert.Contains("header.csv", e.Message);
        Assert.Contains("no data rows", e.Message);
    }

    [Fact]
    public void A_row_with_too_many_fields_fails_naming_file_line_and_column()
    {
        using var dir = new TempDir();
        var path = dir.Write("wide.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n");

        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(path));
        Assert.Contains("wide.csv", e.Message);
        Assert.Contains("line 4", e.Message);
        Assert.Contains("column 4", e.Message);
        Assert.Contains("expected 3 fields", e.Message);
    }

    [Fact]
    public void A_row_with_too_few_fields_fails_naming_the_line()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Write("narrow.csv", "a,b,c\n1,2,3\n4,5\n")));
        Assert.Contains("narrow.csv line 3", e.Message);
        Assert.Contains("found 2", e.Message);
    }

    [Fact]
    public void Duplicate_header_names_fail()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Write("dup.csv", "a,b,a\n1,2,3\n")));
        Assert.Contains("dup.csv", e.Message);
        Assert.Contains("'a' twice", e.Message);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_counted()
    {
        using var dir = new TempDir();
        var table = TableLoader.Load(dir.Write("blank.csv", "a,b\n1,2\n\n3,4\n\n\n5,6\n"));

        Assert.Equal(3, table.RowCount);
        Assert.Equal(["1", "3", "5"], table["a"].Text!);
        Assert.Equal(["2", "4", "6"], table["b"].Text!);
        Assert.Equal(3, table.Report.SkippedRows);
        Assert.Contains(table.Report.Notes, n => n.Contains("blank.csv") && n.Contains("3 blank"));
    }

    [Fact]
    public void CRLF_and_a_BOM_are_read_cleanly()
    {
        using var dir = new TempDir();
        var table = TableLoader.Load(dir.Write("crlf.csv", "name,score\r\n\"Smith, J\",1\r\nDoe,\"2,500\"\r\n", bom: true));

        Assert.Equal("CRLF", table.Report.LineEnding);
        Assert.Equal(["name", "score"], table.ColumnNames); // no BOM glued to the first name
        Assert.Equal(["Smith, J", "Doe"], table["name"].Text!);
        Assert.Equal(["1", "2,500"], table["score"].Text!); // no trailing \r
        Assert.True(table.Report.IsClean);
    }

    [Fact]
    public void Escaped_quotes_and_empty_cells_are_read()
    {
        using var dir = new TempDir();
        var table = TableLoader.Load(dir.Write("q.csv", "a,b,c\n\"say \"\"hi\"\"\",,\"\"\n"));

        Assert.Equal("say \"hi\"", table["a"].Text![0]);
        Assert.Null(table["b"].Text![0]);
        Assert.Null(table["c"].Text![0]);
        Assert.Equal(0, table.Report.RepairedCells);
    }

    // ---- folders -----------------------------------------------------------------------------------------------

    [Fact]
    public void A_folder_of_files_with_the_same_header_is_concatenated_in_name_order()
    {
        using var dir = new TempDir();
        dir.Write("b.csv", "x,y\n3,4\n");
        dir.Write("a.csv", "x,y\n1,2\n\n");

        var table = TableLoader.Load(dir.Path);

        Assert.Equal(Path.GetFileName(dir.Path), table.Name);
        Assert.Equal(["1", "3"], table["x"].Text!);
        Assert.Equal(["2", "4"], table["y"].Text!);
        Assert.Equal(2, table.Report.Rows);
        Assert.Equal(1, table.Report.SkippedRows);
        Assert.Equal(["a.csv", "b.csv"], table.Report.Files.Select(Path.GetFileName));
    }

    [Fact]
    public void A_folder_of_files_with_different_headers_fails_and_names_data_file()
    {
        using var dir = new TempDir();
        dir.Write("a.csv", "x,y\n1,2\n");
        dir.Write("b.csv", "x,z\n3,4\n");

        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Path));
        Assert.Contains("different headers", e.Message);
        Assert.Contains("data.file", e.Message);
        Assert.Contains("a, b", e.Message);
    }

    [Fact]
    public void File_picks_one_file_of_a_folder_by_stem_or_name()
    {
        var table = TableLoader.Load(RepoPaths.Rankings(), "shanghaiData");
        Assert.Equal("shanghaiData", table.Name);
        Assert.Equal(4897, table.RowCount);

        using var dir = new TempDir();
        dir.Write("a.csv", "x,y\n1,2\n");
        dir.Write("b.csv", "x,z\n3,4\n");
        Assert.Equal(["x", "z"], TableLoader.Load(dir.Path, "B.csv").ColumnNames);

        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Path, "c"));
        Assert.Contains("'c'", e.Message);
        Assert.Contains("a, b", e.Message);
    }

    [Fact]
    public void A_folder_without_csv_files_fails()
    {
        using var dir = new TempDir();
        dir.Write("notes.txt", "hello");
        var e = Assert.Throws<MlOpsException>(() => TableLoader.Load(dir.Path));
        Assert.Contains("no .csv files", e.Message);
    }

    // ---- in-memory data ----------------------------------------------------------------------------------------

    [Fact]
    public void FromDataFrame_keeps_numbers_as_numbers_and_text_as_text()
    {
        var frame = new DataFrame(
            new PrimitiveDataFrameColumn<double>("score", [1.5, 2.5, 3.5]),
            new PrimitiveDataFrameColumn<int>("rank", [1, 2, 3]),
            new PrimitiveDataFrameColumn<bool>("top", [true, false, true]),
            new StringDataFrameColumn("name", ["a", "b", "c"]));

        var table = TableLoader.FromDataFrame(frame, "frame");

        Assert.Equal("frame", table.Name);
        Assert.Equal(3, table.RowCount);
        Assert.Equal(3, table.Report.Rows);
        Assert.Equal(["score", "rank", "top", "name"], table.ColumnNames);
        Assert.Equal([1.5, 2.5, 3.5], table["score"].Numbers!);
        Assert.Equal([1.0, 2.0, 3.0], table["rank"].Numbers!);
        Assert.Equal([1.0, 0.0, 1.0], table["top"].Numbers!);
        Assert.False(table["name"].IsTyped);
        Assert.Equal(["a", "b", "c"], table["name"].Text!);
        Assert.Equal("2.5", table["score"].GetText(1));
    }

    [Fact]
    public void FromDataFrame_keeps_missing_values_missing()
    {
        var frame = new DataFrame(
            new PrimitiveDataFrameColumn<double>("score", [1.5, null, 3.5]),
            new PrimitiveDataFrameColumn<float>("ratio", [null, 0.5f, 0.25f]),
            new StringDataFrameColumn("name", ["a", null, "c"]));

        var table = TableLoader.FromDataFrame(frame);

        Assert.True(double.IsNaN(table["score"].Numbers![1]));
        Assert.Null(table["score"].GetText(1));
        Assert.True(double.IsNaN(table["ratio"].Numbers![0]));
        Assert.Equal(0.5, table["ratio"].Numbers![1]);
        Assert.Null(table["name"].Text![1]);
    }

    private sealed class Row
    {
        public float Score { get; set; }
        public int Rank { get; set; }
        public bool Top { get; set; }
        public string Name { get; set; } = "";
    }

    private sealed class VectorRow
    {
        public float Score { get; set; }

        [VectorType(3)]
        public float[] Embedding { get; set; } = [];
    }

    [Fact]
    public void FromDataView_reads_an_enumerable_loaded_by_MLNet()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { Score = 0.5f, Rank = 3, Top = true, Name = "x" },
            new Row { Score = 1.25f, Rank = 7, Top = false, Name = "" },
        });

        var table = TableLoader.FromDataView(view, "view");

        Assert.Equal("view", table.Name);
        Assert.Equal(2, table.RowCount);
        Assert.Equal(["Score", "Rank", "Top", "Name"], table.ColumnNames);
        Assert.Equal([0.5, 1.25], table["Score"].Numbers!);
        Assert.Equal([3.0, 7.0], table["Rank"].Numbers!);
        Assert.Equal([1.0, 0.0], table["Top"].Numbers!);
        Assert.Equal(["x", null], table["Name"].Text!);
    }

    [Fact]
    public void FromDataView_refuses_a_vector_column_naming_it()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(new[] { new VectorRow { Score = 1, Embedding = [1, 2, 3] } });

        var e = Assert.Throws<MlOpsException>(() => TableLoader.FromDataView(view, "vectors"));
        Assert.Contains("'Embedding'", e.Message);
        Assert.Contains("vector", e.Message);
    }

    [Fact]
    public void FromDataView_refuses_an_empty_view()
    {
        var ml = new MLContext(1);
        var e = Assert.Throws<MlOpsException>(() => TableLoader.FromDataView(ml.Data.LoadFromEnumerable(Array.Empty<Row>()), "none"));
        Assert.Contains("'none'", e.Message);
        Assert.Contains("no rows", e.Message);
    }
}
