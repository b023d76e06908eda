using SmsFunctions.Core.ContentPolicy;

namespace SmsFunctions.Core.Tests.ContentPolicy;

public class ContentPolicyCheckerTests
{
    private static readonly ContentPolicyChecker Checker = new(
    [
        new ForbiddenTerm("t1", "viagra"),
        new ForbiddenTerm("t2", "ass", ContentPolicyScope.Body),
        new ForbiddenTerm("t3", "free money"),
        new ForbiddenTerm("t4", "Bancà", ContentPolicyScope.Sender),
        new ForbiddenTerm("t5", "casinò"),
        new ForbiddenTerm("t6", "..."),
    ]);

    [Fact]
    public void CleanMessageIsAllowed()
        => Assert.Same(ContentPolicyVerdict.Allowed, Checker.Check("Openapi", "Your code is 1234. We are a class act."));

    [Theory]
    [InlineData("buy viagra now")]
    [InlineData("BUY VIAGRA NOW")]
    [InlineData("Viàgrà!")]
    [InlineData("(viagra)")]
    [InlineData("viagra")]
    public void TermMatchesCaseAndAccentInsensitively(string body)
    {
        var verdict = Checker.Check("Openapi", body);

        Assert.True(verdict.Blocked);
        Assert.Equal(("t1", "viagra", "body"), (verdict.TermId, verdict.Term, verdict.Field));
        Assert.Contains("viagra", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AccentedTermMatchesUnaccentedText() => Assert.True(Checker.Check("Openapi", "Vieni al CASINO stasera").Blocked);

    [Fact]
    public void DecomposedAccentsAreStrippedToo() => Assert.True(Checker.Check("Openapi", "via\u0301gra").Blocked);

    [Theory]
    [InlineData("first class service")]
    [InlineData("assistance available")]
    [InlineData("bass guitar")]
    [InlineData("viagras")]
    public void TermsMatchOnlyWholeWords(string body) => Assert.False(Checker.Check("Openapi", body).Blocked);

    [Theory]
    [InlineData("get free money today")]
    [InlineData("FREE   money")]
    [InlineData("free...money")]
    [InlineData("free\nmoney")]
    [InlineData("free - money")]
    public void MultiWordTermsMatchAcrossSpacesAndPunctuation(string body) => Assert.Equal("t3", Checker.Check("Openapi", body).TermId);

    [Theory]
    [InlineData("free, moneyed")]
    [InlineData("free of money")]
    public void MultiWordTermsNeedTheWordsInSequence(string body) => Assert.False(Checker.Check("Openapi", body).Blocked);

    [Theory]
    [InlineData("V.I.A.G.R.A")]
    [InlineData("v i a g r a cheap")]
    [InlineData("buy V-I-A-G-R-A")]
    [InlineData("ok: v.i.a.g.r.a")]
    public void SpelledOutTermsAreCaught(string body) => Assert.Equal("t1", Checker.Check("Openapi", body).TermId);

    [Fact]
    public void SpelledOutInitialsDoNotMatchInsideLongerWords()
        => Assert.False(Checker.Check("Openapi", "a s s e t s").Blocked);

    [Fact]
    public void SenderIsCheckedBeforeBodyAndReportedAsSuchField()
    {
        var verdict = Checker.Check("Viagra", "free money");

        Assert.Equal(("t1", "sender"), (verdict.TermId, verdict.Field));
    }

    [Fact]
    public void ScopeLimitsWhereATermApplies()
    {
        Assert.False(Checker.Check("ass", "hello").Blocked);
        Assert.True(Checker.Check("Openapi", "you ass").Blocked);
        Assert.True(Checker.Check("BANCA", "hello").Blocked);
        Assert.False(Checker.Check("Openapi", "la tua banca").Blocked);
    }

    [Fact]
    public void PunctuationOnlyTermsAreIgnored() => Assert.False(Checker.Check("Openapi", "wait...").Blocked);

    [Fact]
    public void NullFieldsAreAllowed() => Assert.False(Checker.Check(null, null).Blocked);

    [Fact]
    public void EmptyCheckerAllowsEverything() => Assert.False(ContentPolicyChecker.Empty.Check("viagra", "viagra").Blocked);

    [Fact]
    public void NormalizationIsANoOpUnderInvariantGlobalizationSoFoldingDoesNotRelyOnIt()
    {
        // Documents why TextFolding has its own table: with InvariantGlobalization, FormD does not decompose.
        var decomposed = "é".Normalize(System.Text.NormalizationForm.FormD);
        Assert.True(decomposed.Length is 1 or 2);
        Assert.True(Checker.Check("Openapi", "CASINÒ").Blocked);
    }

    [Fact]
    public void CheckBodyIgnoresSenderTerms() => Assert.False(Checker.CheckBody("banca").Blocked);

    [Fact]
    public void LongBodiesAreChecked()
    {
        var body = string.Concat(Enumerable.Repeat("word ", 2_000)) + "viagra";

        Assert.True(Checker.Check("Openapi", body).Blocked);
    }
}
