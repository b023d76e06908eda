using SmsFunctions.Core.ContentPolicy;
using SmsFunctions.Storage.ContentPolicy;

namespace SmsFunctions.App.Api.Common;

/// <summary>A <see cref="ContentPolicyChecker"/> over the current forbidden-term list, rebuilt only when the list changes.</summary>
public sealed class ContentPolicyProvider(ForbiddenTermStore terms)
{
    private volatile Compiled? _compiled;

    public async Task<ContentPolicyChecker> GetAsync(CancellationToken cancellationToken = default)
    {
        var list = await terms.ListAsync(cancellationToken);
        var compiled = _compiled;
        if (compiled is not null && ReferenceEquals(compiled.Terms, list))
        {
            return compiled.Checker;
        }

        var checker = list.Count == 0
            ? ContentPolicyChecker.Empty
            : new ContentPolicyChecker(list.Select(t => new ForbiddenTerm(t, t, ContentPolicyScope.Both)));
        _compiled = new Compiled(list, checker);
        return checker;
    }

    private sealed record Compiled(IReadOnlyList<string> Terms, ContentPolicyChecker Checker);
}
