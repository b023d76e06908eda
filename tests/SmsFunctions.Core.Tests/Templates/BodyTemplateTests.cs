using SmsFunctions.Core.Templates;

namespace SmsFunctions.Core.Tests.Templates;

public class BodyTemplateTests
{
    private static Dictionary<string, string> Fields(params (string Key, string Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    [Fact]
    public void SeedExampleRendersTheField()
    {
        var template = BodyTemplate.Parse("Test invio {{nome}}");

        Assert.Equal(["nome"], template.Placeholders);
        Assert.Equal("Test invio simone", template.Render(Fields(("nome", "simone"))));
    }

    [Fact]
    public void WhitespaceInsideBracesIsAllowed()
    {
        var template = BodyTemplate.Parse("Ciao {{ nome }} {{\tcognome\t}}!");

        Assert.Equal(["nome", "cognome"], template.Placeholders);
        Assert.Equal("Ciao simone rossi!", template.Render(Fields(("nome", "simone"), ("cognome", "rossi"))));
    }

    [Fact]
    public void PlaceholderNamesAreDistinctInOrderOfAppearance()
        => Assert.Equal(["b", "a.x", "c_d-e"], BodyTemplate.Parse("{{b}} {{a.x}} {{b}} {{c_d-e}}").Placeholders);

    [Fact]
    public void RepeatedPlaceholderIsRenderedEachTime()
        => Assert.Equal("x-x", BodyTemplate.Parse("{{a}}-{{a}}").Render(Fields(("a", "x"))));

    [Theory]
    [InlineData("{{}} ok")]
    [InlineData("{{ }} ok")]
    [InlineData("{{two words}}")]
    [InlineData("{{nome}")]
    [InlineData("{nome}")]
    [InlineData("{{naïve}}")]
    [InlineData("unbalanced {{nome")]
    public void MalformedPlaceholdersAreLiteralText(string body)
    {
        var template = BodyTemplate.Parse(body);

        Assert.False(template.HasPlaceholders);
        Assert.Equal(body, template.Render(null));
    }

    [Fact]
    public void TripleBraceStillFindsTheInnerPlaceholder()
        => Assert.Equal("{x", BodyTemplate.Parse("{{{a}}").Render(Fields(("a", "x"))));

    [Fact]
    public void BodyWithoutPlaceholdersRendersToItselfWithoutAllocating()
    {
        const string body = "Il tuo codice è pronto";
        var template = BodyTemplate.Parse(body);
        var fields = Fields(("unused", "x"));
        template.Render(fields);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var rendered = template.Render(fields);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(body, rendered);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void MissingFieldIsAnErrorNamingThePlaceholder()
    {
        var template = BodyTemplate.Parse("Ciao {{nome}} {{cognome}}");

        var error = Assert.Throws<MissingTemplateFieldException>(() => template.Render(Fields(("nome", "simone"))));

        Assert.Equal("cognome", error.Placeholder);
        Assert.Contains("{{cognome}}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRenderReportsTheFirstMissingPlaceholder()
    {
        var template = BodyTemplate.Parse("{{a}} {{b}}");

        Assert.False(template.TryRender(null, out var text, out var missing));
        Assert.Null(text);
        Assert.Equal("a", missing);
    }

    [Fact]
    public void UnknownExtraFieldsAreIgnored()
        => Assert.Equal("Hi Al", BodyTemplate.Parse("Hi {{n}}").Render(Fields(("n", "Al"), ("extra", "x"))));

    [Fact]
    public void FieldValuesAreInsertedVerbatim()
        => Assert.Equal("a {{b}} c", BodyTemplate.Parse("a {{x}} c").Render(Fields(("x", "{{b}}"))));
}
