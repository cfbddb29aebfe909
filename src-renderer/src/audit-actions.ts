/**
 * Audit actions in words. The log keeps the machine names (they are the stable format of exports and
 * `weld audit`); the page shows what happened, with the machine name beside it for searching.
 */
export const ACTION_WORDS: Record<string, string> = {
  'component.installed': 'Installed a component',
  'component.updated': 'Updated a component',
  'component.removed': 'Removed a component',
  'component.enable': 'Turned a component on',
  'component.disable': 'Turned a component off',
  'component.install-refused': 'Refused an install',
  'component.downgrade-refused': 'Refused an older version',
  'component.downgrade-allowed': 'Allowed an older version',
  'component.load-requested': 'A client asked to load a component',
  'component.load-decided': 'Answered a load request',
  'component.load-failed': 'A load failed',
  'policy.grant': 'Allowed a permission',
  'policy.revoke': 'Revoked a permission',
  'policy.reset': 'Reset permissions',
  'policy.reapprove': 'Approved permissions again for new code',
  'policy.request': 'A tool asked for a permission',
  'policy.decide': 'Answered a permission request',
  'policy.expired': 'A request went unanswered (denied)',
  'policy.late-answer': 'An answer came too late',
  'policy.prompt-declined': 'A client declined to ask',
  'secret.set': 'Stored a secret',
  'secret.remove': 'Removed a secret',
  'settings.changed': 'Changed a setting',
  'calls.pruned': 'Removed old calls from the log',
  'trust.key.added': 'Trusted a publisher key',
  'trust.identity.added': 'Trusted a keyless identity',
  'trust.removed': 'Stopped trusting a publisher',
  'trust.once': 'Trusted a signer for one install',
};

export const actionWords = (action: string): string => ACTION_WORDS[action] ?? action;
