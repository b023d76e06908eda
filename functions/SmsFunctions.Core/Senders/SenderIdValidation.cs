using System.Diagnostics.CodeAnalysis;
using SmsFunctions.Core.Messages;

namespace SmsFunctions.Core.Senders;

/// <summary>The result of validating a sender id: its kind and trimmed value, or an error.</summary>
public sealed record SenderIdValidation(string? Sender, SenderIdKind? Kind, DomainError? Error)
{
    [MemberNotNullWhen(true, nameof(Sender), nameof(Kind))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Error is null;
}
