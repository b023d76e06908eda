using SmsFunctions.Core.Messages;
using SmsFunctions.Core.Recipients;

namespace SmsFunctions.Core.Tests.Recipients;

public class RecipientListBuilderTests
{
    private static Dictionary<string, string> Fields(params (string Key, string Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    [Fact]
    public void ValidAndInvalidEntriesAreBothReported()
    {
        var list = RecipientListBuilder.Build(
        [
            new RecipientInput("+393331234567"),
            new RecipientInput("3331234567"),
            new RecipientInput(""),
            new RecipientInput("+447400123456"),
        ]);

        Assert.Equal(["+393331234567", "+447400123456"], list.Valid.Select(r => r.Number));
        Assert.Equal([ErrorCodes.MissingCountryPrefix, ErrorCodes.EmptyNumber], list.Invalid.Select(i => i.Code));
        Assert.Equal(0, list.DuplicatesMerged);
    }

    [Fact]
    public void SeedFormAndE164FormOfTheSameNumberAreOneRecipient()
    {
        var list = RecipientListBuilder.Build(
        [
            new RecipientInput("+39-3331234567"),
            new RecipientInput("+447400123456"),
            new RecipientInput("+393331234567"),
        ]);

        Assert.Equal(["+393331234567", "+447400123456"], list.Valid.Select(r => r.Number));
        Assert.Equal(1, list.DuplicatesMerged);
    }

    [Fact]
    public void FirstOccurrenceFieldsWinAndLaterDuplicatesOnlyAddMissingKeys()
    {
        var list = RecipientListBuilder.Build(
        [
            new RecipientInput("+39-3331234567", Fields(("nome", "simone"))),
            new RecipientInput("+393331234567", Fields(("nome", "mario"), ("cognome", "rossi"))),
        ]);

        var only = Assert.Single(list.Valid);
        Assert.Equal("simone", only.Fields!["nome"]);
        Assert.Equal("rossi", only.Fields["cognome"]);
    }

    [Fact]
    public void DuplicateWithoutFieldsGainsTheLaterFields()
    {
        var later = Fields(("nome", "simone"));

        var list = RecipientListBuilder.Build([new RecipientInput("+393331234567"), new RecipientInput("+393331234567", later)]);

        Assert.Same(later, Assert.Single(list.Valid).Fields);
    }

    [Fact]
    public void NullEntryIsReportedAsEmpty()
    {
        var list = RecipientListBuilder.Build([null!]);

        Assert.Equal(ErrorCodes.EmptyNumber, Assert.Single(list.Invalid).Code);
    }

    [Fact]
    public void EmptyInputGivesEmptyLists()
    {
        var list = RecipientListBuilder.Build([]);

        Assert.Empty(list.Valid);
        Assert.Empty(list.Invalid);
    }

    [Fact]
    public void InvalidDuplicatesAreEachReported()
    {
        var list = RecipientListBuilder.Build([new RecipientInput("123"), new RecipientInput("123")]);

        Assert.Equal(2, list.Invalid.Count);
    }
}
