using SmsFunctions.Storage.Messages;
using SmsFunctions.Testing;

namespace SmsFunctions.Pipeline.Tests;

/// <summary>
/// A client that hangs up mid-<c>DELETE</c> on large scheduled messages. A class of its own, so its own Azurite and
/// gateway (<see cref="CancelFaultFixture"/>): its 4,500 sandbox receipts and callbacks are no backlog in front of
/// <see cref="CancelFaultTests"/>' single-recipient waits (CI once timed out there behind them).
/// </summary>
public sealed class CancelHangUpTests(CancelFaultFixture fixture) : IClassFixture<CancelFaultFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClientThatHangsUpMidCancelStrandsNoRecipient()
    {
        // Scheduled a few seconds ahead: whatever the cut-off cancel did not reach must still be sent when due.
        const int Recipients = 1500;
        double[] delaysMs = [60, 200, 500];
        var runs = new List<(Customer Customer, string Id, string[] Numbers, Uri Hook)>();
        var credits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var delay in delaysMs)
        {
            var run = await fixture.ScheduleAsync(Recipients, TimeSpan.FromSeconds(6));
            credits[run.Id] = await fixture.CreditAsync(run.Customer.AccountId);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            cut.CancelAfter(TimeSpan.FromMilliseconds(delay));
            try
            {
                using var response = await CancelFaultFixture.DeleteAsync(run.Customer, run.Id, cut.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                // The client hung up: the point of the test.
            }

            runs.Add(run);
        }

        // Every recipient leaves the cancel's reach within a bound: CANCELED, or handed to the sandbox carrier when the
        // cut-off cancel never reached it (SENT, or DELIVERED once its receipt is in: on a loaded CI machine 4,500
        // receipts can take longer than the bound, and a receipt's lag is not what this test is about). Stranded
        // would be SCHEDULED, QUEUED or DISPATCHING past the due time, or a message left Canceling, Pending or Enqueued.
        string[] handedOverOrCanceled = ["CANCELED", "SENT", "DELIVERED"];
        var deadline = DateTime.UtcNow.AddSeconds(120);
        foreach (var (customer, id, numbers, hook) in runs)
        {
            Dictionary<string, int> states;
            string? dispatchState;
            while (true)
            {
                states = [];
                await foreach (var row in fixture.Recipients.QueryAsync(id, cancellationToken: Ct))
                {
                    states[row.State] = states.GetValueOrDefault(row.State) + 1;
                }

                dispatchState = (await fixture.Messages.GetAsync(customer.AccountId, id, Ct))!.DispatchState;
                if ((states.Keys.All(handedOverOrCanceled.Contains) && dispatchState is DispatchStates.None or DispatchStates.Dispatched) || DateTime.UtcNow > deadline) { break; }
                await Task.Delay(250, Ct);
            }

            Assert.True(states.Keys.All(handedOverOrCanceled.Contains),
                $"Message {id}: recipients left behind: {string.Join(", ", states.Select(s => $"{s.Key}={s.Value}"))}");
            Assert.Equal(Recipients, states.Values.Sum());
            Assert.True(dispatchState is DispatchStates.None or DispatchStates.Dispatched, $"Message {id}: dispatch state {dispatchState}: a cancel or a dispatch left half done");

            // Cancelling does not refund: the whole message stays charged, and nothing more.
            Assert.Equal(credits[id], await fixture.CreditAsync(customer.AccountId));
        }
    }
}
