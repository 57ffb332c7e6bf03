# TsciApi: calls of tscircuit's registry API (the TsciRegistry tsci
# Location /api/) for t/api/tsci_*.t: users signed up through npm, calls
# by GET (query) or POST (JSON body), and a snapshot of what a package
# looks like through the API, for "a refusal changed nothing".
package TsciApi;

use strict;
use warnings;
use Exporter 'import';
use URI ();
use JSON::PP ();
use TsciTest qw(base_url req json_of adduser unique);

# The Location called (local-ise to call another).
our $prefix = '/api/';

our @EXPORT_OK = qw(api new_user snapshot T F);

sub T { JSON::PP::true }
sub F { JSON::PP::false }

# A new registry user and its token: (name, token).
sub new_user {
    my $base = shift;
    my $name = unique($base);
    return ($name, adduser(base_url('/npm/'), $name, 'pass-of-' . $name));
}

# api(METHOD, route, {params}, token) -> (response, decoded body)
sub api {
    my ($m, $route, $params, $token) = @_;
    my $url = base_url($prefix) . $route;
    if ($m eq 'GET' && $params) {
        my $u = URI->new($url);
        $u->query_form(map { $_ => (ref $params->{$_}
                                    ? ($params->{$_} ? 'true' : 'false')
                                    : $params->{$_}) } keys %$params);
        $url = $u->as_string;
    }
    my $res = req($m => $url, ($token ? (token => $token) : ()),
                  $m eq 'POST' ? (body => $params // {}) : ());
    return ($res, json_of($res));
}

my $canon = JSON::PP->new->canonical;

# The package, its releases and each release's files as its owner sees
# them (one string).
sub snapshot {
    my ($name, $token) = @_;
    my (undef, $p) = api(POST => 'packages/get', { name => $name }, $token);
    my (undef, $r) = api(POST => 'package_releases/list',
                         { package_name => $name }, $token);
    my @files;
    for my $rel (@{ $r->{package_releases} || [] }) {
        my (undef, $f) = api(POST => 'package_files/list',
            { package_release_id => $rel->{package_release_id} }, $token);
        push @files, $f;
        for my $file (@{ $f->{package_files} || [] }) {
            my ($res) = api(GET => 'package_files/download',
                { package_file_id => $file->{package_file_id} }, $token);
            push @files, $res->content;
        }
    }
    return $canon->encode([$p, $r, \@files]);
}

1;
