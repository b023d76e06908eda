using System.Text.RegularExpressions;

namespace SmsFunctions.Testing.Faults;

/// <summary>What a storage request does, as far as a fault script cares.</summary>
public enum StorageOperationKind
{
    /// <summary>Table: <c>POST /{table}</c>, insert one entity.</summary>
    Insert,

    /// <summary>Table: <c>PUT /{table}(PK,RK)</c>, replace or upsert (replace) one entity.</summary>
    Replace,

    /// <summary>Table: <c>PATCH</c>/<c>MERGE /{table}(PK,RK)</c>, merge or upsert (merge) one entity.</summary>
    Merge,

    /// <summary>Table: <c>DELETE /{table}(PK,RK)</c>.</summary>
    Delete,

    /// <summary>Table: <c>POST /$batch</c>, an entity-group transaction (its table is read from the body).</summary>
    Batch,

    /// <summary>Table: <c>GET /{table}()</c> with a filter, or a point read <c>GET /{table}(PK,RK)</c>.</summary>
    Query,

    /// <summary>Table service: create, list or delete tables.</summary>
    TableManagement,

    /// <summary>Queue: put a message.</summary>
    QueuePut,

    /// <summary>Queue: get (receive) messages; peeks too.</summary>
    QueueGet,

    /// <summary>Queue: delete one message (complete it).</summary>
    QueueDelete,

    /// <summary>Queue: update a message's visibility or content.</summary>
    QueueUpdate,

    /// <summary>Queue service: create, clear, properties.</summary>
    QueueManagement,
}

/// <summary>One request the proxy saw: the service, the kind of operation and the table or queue it touches (its
/// full name, prefix included).</summary>
public sealed partial record StorageOperation(string Service, StorageOperationKind Kind, string Resource)
{
    /// <summary>A write: it changes storage when it commits.</summary>
    public bool IsWrite => Kind is StorageOperationKind.Insert or StorageOperationKind.Replace or StorageOperationKind.Merge
        or StorageOperationKind.Delete or StorageOperationKind.Batch or StorageOperationKind.QueuePut
        or StorageOperationKind.QueueDelete or StorageOperationKind.QueueUpdate;

    /// <summary>True when <see cref="Resource"/> is the table or queue <paramref name="name"/> without the table
    /// prefix: <c>Accounts</c> matches <c>rl1Accounts</c>, <c>Recipients</c> matches all sixteen recipient tables,
    /// <c>sms-dispatch</c> matches the three dispatch queues.</summary>
    public bool Touches(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Service == "queue") { return Resource.StartsWith(name, StringComparison.Ordinal); }
        return Resource.EndsWith(name, StringComparison.Ordinal)
            || (name == "Recipients" && RecipientTable().IsMatch(Resource));
    }

    public override string ToString() => $"{Service} {Kind} {Resource}";

    /// <summary>Classifies a path-style request (<c>/devstoreaccount1/…</c>); <paramref name="batchBody"/> is the body
    /// of a table batch, whose sub-requests name its table.</summary>
    public static StorageOperation Classify(string service, string method, string path, string query, string? batchBody = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? Uri.UnescapeDataString(segments[1]) : "";
        if (service == "table")
        {
            if (resource == "$batch")
            {
                var table = batchBody is null ? "" : BatchTable().Match(batchBody) is { Success: true } m ? m.Groups[1].Value : "";
                return new(service, StorageOperationKind.Batch, table);
            }

            if (resource.StartsWith("Tables", StringComparison.Ordinal) || resource.Length == 0)
            {
                return new(service, StorageOperationKind.TableManagement, resource);
            }

            var name = resource.Split('(')[0];
            var kind = method switch
            {
                "GET" => StorageOperationKind.Query,
                "POST" => StorageOperationKind.Insert,
                "PUT" => StorageOperationKind.Replace,
                "PATCH" or "MERGE" => StorageOperationKind.Merge,
                "DELETE" => StorageOperationKind.Delete,
                _ => StorageOperationKind.TableManagement,
            };
            return new(service, kind, name);
        }

        var isMessages = segments.Length > 2 && segments[2] == "messages";
        if (!isMessages) { return new(service, StorageOperationKind.QueueManagement, resource); }
        return new(service, method switch
        {
            "POST" => StorageOperationKind.QueuePut,
            "GET" => StorageOperationKind.QueueGet,
            "DELETE" when segments.Length > 3 => StorageOperationKind.QueueDelete,
            "PUT" => StorageOperationKind.QueueUpdate,
            _ => StorageOperationKind.QueueManagement,
        }, resource);
    }

    [GeneratedRegex("Recipients[0-9a-f]$")]
    private static partial Regex RecipientTable();

    [GeneratedRegex(@"(?:POST|PUT|PATCH|MERGE|DELETE) https?://[^/\s]+/[^/\s]+/([A-Za-z0-9]+)")]
    private static partial Regex BatchTable();
}
