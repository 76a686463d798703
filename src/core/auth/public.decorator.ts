import { SetMetadata } from '@nestjs/common';

/**
 * Marks a route as reachable without a user JWT or node session. Routes are default-deny: every
 * route is either @Public() or declares what it requires (see the route-declaration test).
 */
export const IS_PUBLIC = 'prism:isPublic';
export const Public = () => SetMetadata(IS_PUBLIC, true);
