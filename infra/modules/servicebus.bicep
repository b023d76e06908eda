// Standard namespace with one queue per dispatch priority band plus the callbacks queue.
// Duplicate detection backs the app's MessageId-based idempotency; after maxDeliveryCount failed
// invocations a message goes to the dead-letter queue instead of being retried forever.
param name string
param location string
param tags object
param queueNames string[]

@description('Peek-lock duration; the Functions host renews it up to maxAutoLockRenewalDuration (host.json).')
param lockDuration string = 'PT1M'

@description('Window in which a second message with the same MessageId is dropped.')
param duplicateDetectionWindow string = 'PT1H'

@description('Time a message may wait in a queue before it is dead-lettered.')
param messageTimeToLive string = 'P7D'

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queueName in queueNames: {
    parent: serviceBus
    name: queueName
    properties: {
      lockDuration: lockDuration
      maxDeliveryCount: 10
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: messageTimeToLive
      requiresSession: false
      enablePartitioning: false
      maxSizeInMegabytes: 1024
    }
  }
]

output name string = serviceBus.name
output fullyQualifiedNamespace string = parseUri(serviceBus.properties.serviceBusEndpoint).host
