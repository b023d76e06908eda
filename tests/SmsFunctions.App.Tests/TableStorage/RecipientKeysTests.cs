using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using SmsFunctions.Core.Messages;
using SmsFunctions.Storage.Messages;

namespace SmsFunctions.App.Tests.TableStorage;

/// <summary>How a message's recipients are spread over partitions: 16 for up to 6,400 recipients, more for bigger
/// messages (written in the id's last digit), so that no partition grows much past 400 rows.</summary>
public sealed class RecipientKeysTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(6_400, 0)]
    [InlineData(6_401, 1)]
    [InlineData(10_000, 1)]
    [InlineData(100_000, 4)]
    [InlineData(10_000_000, 7)]
    public void BigMessagesAreSpreadWider(int recipients, int digit)
    {
        Assert.Equal(digit, RecipientKeys.ShardDigitFor(recipients));
        var id = MessageId.New(new FakeTimeProvider(), new Random(3), digit);
        Assert.Equal(RecipientKeys.Shards << digit, RecipientKeys.ShardsOf(id));
    }

    [Fact]
    public void A100kMessageHas256PartitionsOfAboutFourHundredRows()
    {
        var id = MessageId.New(new FakeTimeProvider(), new Random(5), RecipientKeys.ShardDigitFor(100_000));
        var partitions = Enumerable.Range(0, 100_000)
            .Select(i => "+39333" + i.ToString("D7", CultureInfo.InvariantCulture))
            .GroupBy(n => RecipientKeys.PartitionKey(id, n))
            .ToList();

        Assert.Equal(256, partitions.Count);
        Assert.InRange(partitions.Max(p => p.Count()), 300, 520);
        Assert.All(partitions, p => Assert.Equal(id, RecipientKeys.MessageIdOf(p.Key)));
    }

    [Fact]
    public void AnOrdinaryMessageKeepsSixteenPartitions()
    {
        var id = MessageId.New(new FakeTimeProvider(), new Random(9), RecipientKeys.ShardDigitFor(50));
        var partitions = Enumerable.Range(0, 5_000).Select(i => RecipientKeys.PartitionKey(id, "+39347" + i.ToString("D7", CultureInfo.InvariantCulture))).Distinct().ToList();

        Assert.Equal(16, partitions.Count);
        Assert.All(partitions, p => Assert.Matches($"^{id}-[0-9a-f]$", p));
    }
}
