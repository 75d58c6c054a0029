/**
 * Whether a git failure says the upstream repository is not there at all (a
 * path that is no repository, a forge answering "not found"), as opposed to
 * a network hiccup. Retrying the former only delays the recipe's FAILED
 * label by the retry backoff; the next sweep looks again anyway.
 */
export function upstreamGone(gitError: string): boolean {
  return GONE.some((re) => re.test(gitError));
}

const GONE = [
  /does not appear to be a git repository/i,
  /repository '[^']*' not found/i,
  /^remote: (repository )?not found/im,
  /^ERROR: Repository not found/im,
];
