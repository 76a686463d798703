import { NodeAccessLevel } from '../core/auth/access';
import { AUTHORIZATION_STATUS_WIRE, AuthorizationStatus, NodeAccessLevelName } from './entities/research-node.entity';

/** Numeric wire values ↔ database strings (prism-reference.md §2.0). */
export function statusToWire(status: AuthorizationStatus): number {
  return AUTHORIZATION_STATUS_WIRE[status] ?? 0;
}

export function statusFromWire(value: unknown): AuthorizationStatus | undefined {
  const entry = Object.entries(AUTHORIZATION_STATUS_WIRE).find(([name, n]) => n === value || name === value);
  return entry?.[0] as AuthorizationStatus | undefined;
}

const LEVELS: NodeAccessLevelName[] = [NodeAccessLevelName.ReadOnly, NodeAccessLevelName.ReadWrite, NodeAccessLevelName.Admin];

export function levelToWire(level: NodeAccessLevelName): NodeAccessLevel {
  const index = LEVELS.indexOf(level);
  return (index < 0 ? 0 : index) as NodeAccessLevel;
}

export function levelFromWire(value: unknown): NodeAccessLevelName | undefined {
  if (typeof value === 'number') return LEVELS[value];
  return LEVELS.find((l) => l === value);
}
